import { createHash, createSign, type KeyObject } from 'node:crypto';

/**
 * DKIM signatures (RFC 6376: rsa-sha256, relaxed/relaxed) with over-signing.
 *
 * nodemailer's signer and mailauth's list each header once, and only when it
 * is present; a header listed in `h=` one time more than it occurs is
 * "over-signed" (RFC 6376 §5.4.2, §8.15): a second From, Subject or
 * List-Unsubscribe added in transit then breaks the signature instead of
 * riding along. Gmail and Yahoo honour one-click unsubscribe only when
 * List-Unsubscribe and List-Unsubscribe-Post are signed (RFC 8058 §4).
 */

export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: KeyObject | string;
}

/** Signed when present, in this order. */
export const SIGNED_HEADERS = [
  'from', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'to', 'cc', 'mime-version', 'content-type',
  'content-transfer-encoding', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post',
] as const;

/** Signed once more than they occur, so none can be added after signing. */
export const OVER_SIGNED_HEADERS = ['from', 'subject', 'date', 'message-id', 'to', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post'] as const;

interface HeaderLine {
  /** Lowercase name. */
  key: string;
  /** The whole field, folded as written, without the final CRLF. */
  raw: string;
}

function splitMessage(message: Buffer): { headers: HeaderLine[]; body: Buffer } {
  const text = message.toString('binary');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? Buffer.alloc(0) : message.subarray(end + 4);
  const headers: HeaderLine[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1]!.raw += `\r\n${line}`;
    else if (line !== '') headers.push({ key: line.slice(0, line.indexOf(':')).trim().toLowerCase(), raw: line });
  }
  return { headers, body };
}

/** RFC 6376 §3.4.2: lowercase name, unfolded value, runs of white space as one space, none at the ends. */
function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** RFC 6376 §3.4.4: white space runs as one space, none at line ends, no empty lines at the end. */
function relaxedBody(body: Buffer): Buffer {
  const lines = body
    .toString('binary')
    .split('\r\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return Buffer.from(lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`, 'binary');
}

/** The message with a DKIM-Signature header in front. The message must use CRLF line ends. */
export function dkimSign(message: Buffer, key: DkimKey): Buffer {
  const { headers, body } = splitMessage(message);
  const bodyHash = createHash('sha256').update(relaxedBody(body)).digest('base64');
  // Each present instance, bottom-up (§5.4.2), then the over-signed names once more: they match nothing.
  const names: string[] = [];
  const signed: string[] = [];
  for (const name of SIGNED_HEADERS) {
    const instances = headers.filter((h) => h.key === name).reverse();
    for (const h of instances) {
      names.push(name);
      signed.push(relaxedHeader(h.raw));
    }
    if (instances.length > 0 && (OVER_SIGNED_HEADERS as readonly string[]).includes(name)) names.push(name);
  }
  // Folded only where the grammar allows white space (after ';' and ':'), and signed as
  // folded: relaxed canonicalisation turns each fold into one space, for us as for the verifier.
  const tags = [`v=1;`, `a=rsa-sha256;`, `c=relaxed/relaxed;`, `d=${key.domainName};`, `s=${key.keySelector};`, ...names.map((n, i) => `${i === 0 ? 'h=' : ''}${n}${i < names.length - 1 ? ':' : ';'}`), `bh=${bodyHash};`, 'b='];
  let header = 'DKIM-Signature:';
  let line = header.length;
  for (const tag of tags) {
    const joint = header.endsWith(':') && !header.endsWith('DKIM-Signature:') ? '' : ' ';
    if (line + joint.length + tag.length > 76) {
      header += `\r\n ${tag}`;
      line = 1 + tag.length;
    } else {
      header += joint + tag;
      line += joint.length + tag.length;
    }
  }
  const signature = createSign('RSA-SHA256').update([...signed, relaxedHeader(header)].join('\r\n'), 'binary').sign(key.privateKey, 'base64');
  // The b= value may be folded anywhere: a verifier removes it, white space and all, before it checks.
  const tail = signature.replace(/(.{72})(?=.)/g, '$1\r\n ');
  return Buffer.concat([Buffer.from(`${header}${tail}\r\n`, 'binary'), message]);
}
