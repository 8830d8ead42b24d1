import { oneLine } from '../util/text.js';
import { domainToASCII } from 'node:url';

const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The canonical form of an address, or a reason it is not one we can mail.
 * Addresses are lowercased whole: mailbox providers ignore case in practice,
 * and two spellings of one address must never become two subscribers.
 */
export function normaliseAddress(input: string): { ok: true; email: string } | { ok: false; reason: string } {
  const raw = input.trim();
  if (raw === '') return { ok: false, reason: 'the address is empty' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s<>]/.test(raw)) return { ok: false, reason: `"${printable(raw)}" contains spaces, angle brackets or control characters` };
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) return { ok: false, reason: `"${raw}" is not an address like name@example.com` };
  const local = raw.slice(0, at);
  const domainIn = raw.slice(at + 1);
  if (local.length > 64) return { ok: false, reason: `"${raw}": the part before @ is longer than 64 characters` };
  const atoms = local.split('.');
  if (atoms.some((a) => !LOCAL_ATOM.test(a))) return { ok: false, reason: `"${raw}": the part before @ has characters or dots an address cannot have` };
  const domain = domainToASCII(domainIn.toLowerCase());
  const labels = domain.split('.');
  if (domain === '' || labels.length < 2 || labels.some((l) => !LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    return { ok: false, reason: `"${raw}": "${domainIn}" is not a valid domain` };
  }
  const email = `${local.toLowerCase()}@${domain}`;
  if (email.length > 254) return { ok: false, reason: `"${raw}" is longer than 254 characters` };
  return { ok: true, email };
}

/** A subscriber's display name made header-safe; undefined when nothing is left. */
export function cleanName(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const name = oneLine(input).slice(0, 200);
  return name === '' ? undefined : name;
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
