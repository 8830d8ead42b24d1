import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { BroadsheetError } from '../errors.js';

/*
 * An unsubscribe token carries the address, encrypted, and proves that we
 * made it. The construction is SIV-like: the tag is HMAC-SHA256 over the
 * address (truncated to 16 bytes) and doubles as the AES-CTR counter, so the
 * same address always gets the same token (builds stay reproducible), a
 * reader learns nothing from it, and any change to it fails the check.
 *
 *   token = base64url( 0x01 | tag[16] | AES-256-CTR(encKey, iv = tag, address) )
 */
const VERSION = 1;
const TAG_BYTES = 16;
const MAX_TOKEN_CHARS = 512;

// A send makes one token per recipient with the same secret: derive its keys once.
let cached: { secret: string; enc: Buffer; mac: Buffer } | undefined;

function keys(secret: string): { enc: Buffer; mac: Buffer } {
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; unsubscribe links cannot be signed without it');
  if (cached?.secret !== secret) {
    cached = {
      secret,
      enc: createHmac('sha256', secret).update('broadsheet/unsubscribe/enc/v1').digest(),
      mac: createHmac('sha256', secret).update('broadsheet/unsubscribe/mac/v1').digest(),
    };
  }
  return cached;
}

function tagOf(mac: Buffer, email: Buffer): Buffer {
  return createHmac('sha256', mac).update(email).digest().subarray(0, TAG_BYTES);
}

function ctr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

export function createUnsubscribeToken(secret: string, email: string): string {
  const k = keys(secret);
  const plain = Buffer.from(email, 'utf8');
  const tag = tagOf(k.mac, plain);
  return Buffer.concat([Buffer.of(VERSION), tag, ctr(k.enc, tag, plain)]).toString('base64url');
}

/** The address the token was made for, or undefined when it was not made with this secret or was altered. */
export function verifyUnsubscribeToken(secret: string, token: string): string | undefined {
  const k = keys(secret);
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  // Reject non-canonical encodings, so one token has exactly one spelling.
  if (raw.toString('base64url') !== token) return undefined;
  if (raw.length < 1 + TAG_BYTES + 3 || raw[0] !== VERSION) return undefined;
  const tag = raw.subarray(1, 1 + TAG_BYTES);
  const plain = ctr(k.enc, tag, raw.subarray(1 + TAG_BYTES));
  if (!timingSafeEqual(tagOf(k.mac, plain), tag)) return undefined;
  const email = plain.toString('utf8');
  return Buffer.from(email, 'utf8').equals(plain) ? email : undefined;
}
