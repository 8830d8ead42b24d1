import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { BroadsheetError } from '../errors.js';

/*
 * A token carries a short text (an address, or a time and an address),
 * encrypted, and proves that we made it. The construction is SIV-like: the
 * tag is HMAC-SHA256 over the text (truncated to 16 bytes) and doubles as
 * the AES-CTR counter, so the same text always gets the same token (builds
 * stay reproducible), a reader learns nothing from it, and any change to it
 * fails the check.
 *
 *   token = base64url( 0x01 | tag[16] | AES-256-CTR(encKey, iv = tag, text) )
 *
 * Each kind of token has its own keys, derived from the secret with the
 * kind's name: an unsubscribe token never opens as a confirm token, nor a
 * confirm token as a manage token, even for the same address.
 */
const VERSION = 1;
const TAG_BYTES = 16;
const MAX_TOKEN_CHARS = 512;

/** As many bytes of entropy as the HMAC-SHA256 key the secret becomes: less can be guessed from one token. */
export const MIN_SECRET_BYTES = 32;

/**
 * A cautious estimate of the entropy in a secret, in bytes, and why it is low.
 * Hex counts 4 bits a character and base64 6 (`openssl rand -hex 32` and
 * `-base64 32` give exactly 32 bytes); any other text counts one byte a byte.
 * What is obviously guessable counts once: a secret that repeats one piece
 * counts that piece, a run of 8 or more characters a constant step apart
 * (`aaaaaaaa`, `abcdefgh`, `13579bdf`) counts one character, and fewer than
 * 8 different characters counts nothing.
 */
export function secretStrength(secret: string): { bytes: number; weakness?: string } {
  const distinct = new Set(secret).size;
  if (distinct < 8) return { bytes: 0, weakness: `it uses only ${distinct} different character${distinct === 1 ? '' : 's'}` };
  const period = smallestPeriod(secret);
  const core = period <= secret.length / 2 ? secret.slice(0, period) : secret;
  const counted = withoutRuns(core);
  const bits = /^[0-9a-f]+$/i.test(secret)
    ? counted.length * 4
    : /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/.test(secret)
      ? counted.replace(/=+$/, '').length * 6
      : Buffer.byteLength(counted, 'utf8') * 8;
  const bytes = Math.floor(bits / 8);
  if (core !== secret) return { bytes, weakness: `it repeats the same ${period} characters` };
  if (counted !== core) return { bytes, weakness: 'it has long runs of consecutive or repeated characters' };
  return { bytes };
}

/** Length of the shortest piece the string repeats (a partial last repeat allowed); the whole length when there is none. */
function smallestPeriod(s: string): number {
  // Knuth-Morris-Pratt failure function: the longest proper prefix that is also a suffix.
  const fail = new Array<number>(s.length).fill(0);
  for (let i = 1, k = 0; i < s.length; i++) {
    while (k > 0 && s[i] !== s[k]) k = fail[k - 1]!;
    if (s[i] === s[k]) k++;
    fail[i] = k;
  }
  return s.length - (fail[s.length - 1] ?? 0);
}

/** The text with each run of 8 or more characters a constant step apart cut to its first character. */
function withoutRuns(s: string): string {
  const codes = Array.from(s, (c) => c.codePointAt(0)!);
  let out = '';
  for (let i = 0; i < codes.length; ) {
    let end = i + 1;
    if (i + 1 < codes.length) {
      const step = codes[i + 1]! - codes[i]!;
      while (end < codes.length && codes[end]! - codes[end - 1]! === step) end++;
    }
    out += String.fromCodePoint(codes[i]!);
    i = end - i >= 8 ? end : i + 1;
  }
  return out;
}

/** Refuses a signing secret that could be guessed, saying how to make a good one; never echoes it. */
export function assertStrongSecret(secret: string): void {
  const { bytes, weakness } = secretStrength(secret);
  if (bytes >= MIN_SECRET_BYTES) return;
  throw new BroadsheetError(
    'SECRET_WEAK',
    `BROADSHEET_SECRET is too weak: about ${bytes} bytes of entropy where ${MIN_SECRET_BYTES} are needed${weakness ? `, and ${weakness}` : ''}. ` +
      'Anyone holding one unsubscribe link could work it out and unsubscribe anyone. Make one with: openssl rand -base64 32',
  );
}

/** The last secret found strong enough: every key derives from it, and checking it once is enough. */
let checkedSecret: string | undefined;

/** unsubscribe: the link and mailto in every message; manage: the manage page; confirm: the double opt-in link. */
export type TokenKind = 'unsubscribe' | 'manage' | 'confirm';

// A send makes one token per recipient with the same secret: derive each kind's keys once.
const cached = new Map<string, { secret: string; enc: Buffer; mac: Buffer }>();

/** A key for one purpose, derived from the secret; `label` names the purpose and its version. */
export function derivedKey(secret: string, label: string): Buffer {
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; links and addresses in messages cannot be signed without it');
  if (secret !== checkedSecret) {
    assertStrongSecret(secret);
    checkedSecret = secret;
  }
  return createHmac('sha256', secret).update(label).digest();
}

function keys(secret: string, kind: TokenKind): { enc: Buffer; mac: Buffer } {
  const hit = cached.get(kind);
  if (hit?.secret === secret) return hit;
  // The unsubscribe labels are those of every link already sent.
  const k = { secret, enc: derivedKey(secret, `broadsheet/${kind}/enc/v1`), mac: derivedKey(secret, `broadsheet/${kind}/mac/v1`) };
  cached.set(kind, k);
  return k;
}

function tagOf(mac: Buffer, text: Buffer): Buffer {
  return createHmac('sha256', mac).update(text).digest().subarray(0, TAG_BYTES);
}

function ctr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

export function createToken(kind: TokenKind, secret: string, text: string): string {
  const k = keys(secret, kind);
  const plain = Buffer.from(text, 'utf8');
  const tag = tagOf(k.mac, plain);
  return Buffer.concat([Buffer.of(VERSION), tag, ctr(k.enc, tag, plain)]).toString('base64url');
}

/** The text a token of this kind was made for, or undefined when it was made with another secret or kind, or altered. */
export function openToken(kind: TokenKind, secret: string, token: string): string | undefined {
  const k = keys(secret, kind);
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  // Reject non-canonical encodings, so one token has exactly one spelling.
  if (raw.toString('base64url') !== token) return undefined;
  if (raw.length < 1 + TAG_BYTES + 3 || raw[0] !== VERSION) return undefined;
  const tag = raw.subarray(1, 1 + TAG_BYTES);
  const plain = ctr(k.enc, tag, raw.subarray(1 + TAG_BYTES));
  if (!timingSafeEqual(tagOf(k.mac, plain), tag)) return undefined;
  const text = plain.toString('utf8');
  return Buffer.from(text, 'utf8').equals(plain) ? text : undefined;
}

export function createUnsubscribeToken(secret: string, email: string): string {
  return createToken('unsubscribe', secret, email);
}

/** The address the token was made for, or undefined when it was not made with this secret or was altered. */
export function verifyUnsubscribeToken(secret: string, token: string): string | undefined {
  return openToken('unsubscribe', secret, token);
}

/** A confirmation token: the address and the moment the request was made, from which it expires. */
export function createConfirmToken(secret: string, email: string, requestedAt: Date): string {
  return createToken('confirm', secret, `${requestedAt.getTime().toString(36)}:${email}`);
}

export type ConfirmToken = { ok: true; email: string; requestedAt: Date } | { ok: false; reason: 'invalid' | 'expired' };

/** Opens a confirmation token; it expires `days` after the request (the config's `list.confirmDays`). */
export function verifyConfirmToken(secret: string, token: string, now: Date, days: number): ConfirmToken {
  const text = openToken('confirm', secret, token);
  const m = text === undefined ? null : /^([0-9a-z]{1,12}):(.+)$/.exec(text);
  if (!m) return { ok: false, reason: 'invalid' };
  const requestedAt = new Date(parseInt(m[1]!, 36));
  const age = now.getTime() - requestedAt.getTime();
  if (age > days * 86_400_000) return { ok: false, reason: 'expired' };
  return { ok: true, email: m[2]!, requestedAt };
}
