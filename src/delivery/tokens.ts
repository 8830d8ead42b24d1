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

/** unsubscribe: the link and mailto in every message; manage: the manage page; confirm: the double opt-in link. */
export type TokenKind = 'unsubscribe' | 'manage' | 'confirm';

// A send makes one token per recipient with the same secret: derive each kind's keys once.
const cached = new Map<string, { secret: string; enc: Buffer; mac: Buffer }>();

/** A key for one purpose, derived from the secret; `label` names the purpose and its version. */
export function derivedKey(secret: string, label: string): Buffer {
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; links and addresses in messages cannot be signed without it');
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
