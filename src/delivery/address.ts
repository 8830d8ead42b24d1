import { domainToASCII, domainToUnicode } from 'node:url';
import { hasInvisible, oneLine, visible } from '../util/text.js';

const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// Letters, marks and digits of any script, and hyphens: what an internationalised label is made of.
const UNICODE_LABEL = /^[\p{L}\p{M}\p{N}-]+$/u;

type Checked = { ok: true; email: string } | { ok: false; reason: string };

/**
 * The canonical form of an address, or the reason it is refused. An address
 * is taken as written: nothing is cut, decoded or dropped, so `q@x.com/evil`
 * or `r@x.com%41` is refused rather than mailed somewhere else. The only
 * changes are case and the ASCII (punycode) form of an international domain.
 *
 * The local part is lowercased too, although RFC 5321 lets a server tell
 * `Ann@` from `ann@`: mailbox providers ignore case in practice, and two
 * spellings of one address must never become two subscribers (or let an
 * unsubscribed reader be imported again under another spelling).
 */
export function normaliseAddress(input: string): Checked {
  const raw = input.trim();
  if (raw === '') return { ok: false, reason: 'the address is empty' };
  const shown = visible(raw);
  if (/[\s<>]/.test(raw) || hasInvisible(raw)) return { ok: false, reason: `"${shown}" contains spaces, angle brackets or invisible characters` };
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) return { ok: false, reason: `"${shown}" is not an address like name@example.com` };
  const local = raw.slice(0, at);
  if (local.length > 64) return { ok: false, reason: `"${shown}": the part before @ is longer than 64 characters` };
  if (local.split('.').some((a) => !LOCAL_ATOM.test(a))) return { ok: false, reason: `"${shown}": the part before @ has characters or dots an address cannot have` };
  const domain = asciiDomain(raw.slice(at + 1));
  if (!domain.ok) return { ok: false, reason: `"${shown}": ${domain.reason}` };
  const email = `${local.toLowerCase()}@${domain.email}`;
  if (email.length > 254) return { ok: false, reason: `"${shown}" is longer than 254 characters` };
  return { ok: true, email };
}

/** The domain lowercased, international labels in their `xn--` form; refused when it is anything but a host name. */
function asciiDomain(written: string): Checked {
  const labels = written.toLowerCase().split('.');
  const invalid = { ok: false as const, reason: `"${written}" is not a valid domain` };
  if (labels.length < 2 || labels.some((l) => l === '')) return invalid;
  const ascii: string[] = [];
  for (const label of labels) {
    if (/^[\x00-\x7f]*$/.test(label)) {
      if (!LABEL.test(label)) return invalid;
      // An `xn--` label must be punycode that decodes to a valid label.
      if (label.startsWith('xn--') && domainToASCII(domainToUnicode(label)) !== label) return invalid;
      ascii.push(label);
      continue;
    }
    if (!UNICODE_LABEL.test(label)) return invalid;
    const converted = domainToASCII(label);
    // IDNA also maps some characters to others (full-width letters to ASCII, `ß` spellings):
    // that is a different address from the one written, so it is refused, not applied.
    if (!converted.startsWith('xn--') || !LABEL.test(converted) || domainToUnicode(converted) !== label.normalize('NFC')) {
      const meant = domainToUnicode(domainToASCII(written.toLowerCase()));
      return { ok: false, reason: `"${written}" is written with characters that stand for others${meant ? ` ("${meant}")` : ''}; write the domain as it is registered` };
    }
    ascii.push(converted);
  }
  const domain = ascii.join('.');
  if (/^\d+$/.test(ascii.at(-1)!) || domain.length > 253) return invalid;
  return { ok: true, email: domain };
}

/** A subscriber's display name made header-safe; undefined when nothing is left. */
export function cleanName(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const name = oneLine(input).slice(0, 200);
  return name === '' ? undefined : name;
}
