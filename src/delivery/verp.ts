import { createHmac, timingSafeEqual } from 'node:crypto';
import { derivedKey } from './tokens.js';

/*
 * VERP: every message goes out with its own envelope sender, made from the
 * config's `email.returnPath` template (`bounces+{token}@news.example.com`).
 * A bounce goes back to that address, so it names the subscriber and the
 * issue even when its text is garbled or names nobody.
 *
 *   token = <subscriber id, base 36> - <issue, base 36> - <HMAC, 20 hex digits>
 *
 * Lowercase letters, digits and hyphens only, because some servers change
 * the case of the part before @; about 30 characters, because that part may
 * hold only 64. The HMAC (80 bits) makes it unforgeable.
 */
const MAC_HEX = 20;
const TOKEN = '[0-9a-z]{1,11}-[0-9a-z]{1,11}-[0-9a-f]{20}';

export interface VerpTarget {
  subscriberId: number;
  /** The issue the message carried; 0 for a confirmation mail. */
  issue: number;
}

let cachedKey: { secret: string; key: Buffer } | undefined;

function mac(secret: string, subscriberId: number, issue: number): string {
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: derivedKey(secret, 'broadsheet/bounce/mac/v1') };
  return createHmac('sha256', cachedKey.key).update(`${subscriberId}:${issue}`).digest('hex').slice(0, MAC_HEX);
}

/** The envelope sender of one subscriber's copy of one issue. */
export function verpAddress(template: string, secret: string, target: VerpTarget): string {
  const token = `${target.subscriberId.toString(36)}-${target.issue.toString(36)}-${mac(secret, target.subscriberId, target.issue)}`;
  return template.replace('{token}', token);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parts(template: string): { before: string; after: string } {
  const at = template.indexOf('{token}');
  return { before: template.slice(0, at), after: template.slice(at + '{token}'.length) };
}

/**
 * The bare bounce address of a template: the token and the separator before
 * it removed (`bounces+{token}@x` → `bounces@x`), where reports that carry
 * no token (a feedback loop's) can be sent.
 */
export function bareBounceAddress(template: string): string {
  const { before, after } = parts(template);
  return `${before.replace(/[+\-=._]$/, '')}${after}`.toLowerCase();
}

/** Whether an address is one of the template's, with or without a token. */
export function isBounceAddress(template: string, address: string): boolean {
  const { before, after } = parts(template);
  const a = address.toLowerCase();
  return a === bareBounceAddress(template) || new RegExp(`^${escape(before.toLowerCase())}${TOKEN}${escape(after.toLowerCase())}$`).test(a);
}

/** The subscriber and issue a VERP address names, or undefined when it is not one of ours or its HMAC is wrong. */
export function readVerp(template: string, secret: string, address: string): VerpTarget | undefined {
  const { before, after } = parts(template);
  const m = new RegExp(`^${escape(before.toLowerCase())}(${TOKEN})${escape(after.toLowerCase())}$`).exec(address.trim().toLowerCase());
  if (!m) return undefined;
  const [id36, issue36, given] = m[1]!.split('-') as [string, string, string];
  const subscriberId = parseInt(id36, 36);
  const issue = parseInt(issue36, 36);
  if (!Number.isSafeInteger(subscriberId) || !Number.isSafeInteger(issue)) return undefined;
  const expected = mac(secret, subscriberId, issue);
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given)) ? { subscriberId, issue } : undefined;
}

/** The first verified VERP address of the template anywhere in a text (a garbled bounce, a block of returned headers). */
export function findVerp(template: string, secret: string, text: string): VerpTarget | undefined {
  const { before, after } = parts(template);
  const re = new RegExp(`${escape(before)}(${TOKEN})${escape(after)}`, 'gi');
  for (const m of text.matchAll(re)) {
    const found = readVerp(template, secret, m[0]);
    if (found) return found;
  }
  return undefined;
}
