import { createHash } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import type { Config } from '../config/load.js';
import type { EncodedBodies, Recipient, RenderedDigest } from './digest.js';
import { oneLine } from '../util/text.js';

export interface MessageExtra {
  /** Message-ID; when absent, one derived from the digest and the address (the same on a resend). */
  messageId?: string;
  /** `mailto:` target for List-Unsubscribe: an address or a full mailto: URL. */
  listUnsubscribeMailto?: string;
  /** Date header; nodemailer uses the current time when absent. */
  date?: Date;
  /** The envelope sender (VERP, `email.returnPath`); the From address when absent. */
  envelopeFrom?: string;
}

const MAILBOX = /^\s*(?:(.*?)\s*<([^<>\s]+)>|([^<>\s]+))\s*$/;

function parseMailbox(value: string): { name: string; address: string } {
  const m = MAILBOX.exec(oneLine(value));
  return { name: (m?.[1] ?? '').replace(/^"(.*)"$/, '$1'), address: m?.[2] ?? m?.[3] ?? oneLine(value) };
}

/** From: config.email.from, or (for the preview on disk, when `email` is not configured) the site's author. */
export function sender(config: Config): { name: string; address: string } {
  if (config.email) return parseMailbox(config.email.from);
  const host = new URL(config.site.url).hostname;
  return { name: oneLine(config.site.author.name), address: config.site.author.email ?? `newsletter@${host}` };
}

function replyTo(config: Config): { name: string; address: string } | undefined {
  if (config.email?.replyTo) return parseMailbox(config.email.replyTo);
  const author = config.site.author;
  return author.email ? { name: oneLine(author.name), address: author.email } : undefined;
}

export function listId(config: Config): string {
  return oneLine(config.email?.listId ?? `digest.${new URL(config.site.url).hostname}`).replace(/^<|>$/g, '');
}

/** The list's unsubscribe address: `email.unsubscribeMailto`, or the From address. */
export function unsubscribeAddress(config: Config): string {
  return config.email?.unsubscribeMailto ?? sender(config).address;
}

/**
 * The `mailto:` of List-Unsubscribe. With the subscriber's unsubscribe token
 * in the subject, a mailed request proves which subscriber it is for, as the
 * link does: a From header proves nothing.
 */
export function unsubscribeMailto(config: Config, token?: string): string {
  return `mailto:${unsubscribeAddress(config)}?subject=${token ? `unsubscribe%20${token}` : 'unsubscribe'}`;
}

/** `<https://…>, <mailto:…?subject=unsubscribe>`; the URL parser drops CR, LF and tabs and escapes `<`, `>` and spaces. */
export function listUnsubscribe(config: Config, unsubscribeUrl: string, mailto?: string): string {
  const target = mailto ?? unsubscribeAddress(config);
  const mailtoUrl = /^mailto:/i.test(target) ? target : `mailto:${target}?subject=unsubscribe`;
  return `<${new URL(oneLine(unsubscribeUrl)).href}>, <${new URL(oneLine(mailtoUrl)).href}>`;
}

const digestKeys = new WeakMap<RenderedDigest, string>();

function digestKey(digest: RenderedDigest): string {
  let key = digestKeys.get(digest);
  if (key === undefined) {
    key = createHash('sha256').update(digest.subject).update('\0').update(digest.html).update('\0').update(digest.text).digest('hex');
    digestKeys.set(digest, key);
  }
  return key;
}

/** The head of a body encoded ahead (see encodedPersonalizer), for nodemailer to send as it is. */
const ENCODED_HEAD = {
  html: Buffer.from('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'),
  text: Buffer.from('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'),
};

/** A part for nodemailer: text it encodes itself, or a body already quoted-printable that it sends as it is. */
function part(body: string | Buffer[], kind: 'html' | 'text'): string | { raw: Buffer } {
  return typeof body === 'string' ? body : { raw: Buffer.concat([ENCODED_HEAD[kind], ...body]) };
}

/** The bodies of one message: text for nodemailer to encode, or encoded already. */
type Bodies = { html: string; text: string } | EncodedBodies;

/**
 * The nodemailer message for one recipient. Every header value that comes
 * from data (subject, names, addresses, URLs) is put on one line first, so
 * nothing can add a header. List-Unsubscribe-Post goes through `headers`:
 * nodemailer's `list.unsubscribePost` writes a malformed header.
 */
export function buildMessage(
  config: Config,
  digest: RenderedDigest,
  personal: Bodies,
  r: Recipient,
  extra: MessageExtra = {},
): SendMailOptions {
  return {
    ...coreMessage(config, digest, personal, r, extra),
    list: { id: { url: listId(config), comment: oneLine(config.site.title) } },
    headers: {
      'List-Unsubscribe': { prepared: true, value: listUnsubscribe(config, r.unsubscribeUrl, extra.listUnsubscribeMailto) },
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

/**
 * A message that is not an issue (the confirmation mail): the same From,
 * Reply-To, envelope and parts, no list headers, and `Auto-Submitted` so
 * that vacation responders do not answer it.
 */
export function buildNotice(config: Config, notice: RenderedDigest, personal: Bodies, r: Pick<Recipient, 'email' | 'name'>, extra: MessageExtra = {}): SendMailOptions {
  return { ...coreMessage(config, notice, personal, r, extra), headers: { 'Auto-Submitted': 'auto-generated' } };
}

function coreMessage(config: Config, digest: RenderedDigest, personal: Bodies, r: Pick<Recipient, 'email' | 'name'>, extra: MessageExtra): SendMailOptions {
  const host = new URL(config.site.url).hostname;
  const key = digestKey(digest);
  const address = oneLine(r.email);
  const name = r.name === undefined ? '' : oneLine(r.name);
  const messageId = extra.messageId
    ? oneLine(extra.messageId)
    : `<${createHash('sha256').update(key).update('\0').update(address).digest('hex').slice(0, 32)}@${host}>`;
  const reply = replyTo(config);
  return {
    from: sender(config),
    ...(reply ? { replyTo: reply } : {}),
    to: name ? { name, address } : address,
    subject: oneLine(digest.subject),
    messageId,
    ...(extra.date ? { date: extra.date } : {}),
    ...(extra.envelopeFrom ? { envelope: { from: oneLine(extra.envelopeFrom), to: [address] } } : {}),
    text: part(personal.text, 'text'),
    html: part(personal.html, 'html'),
    // Boundaries from the digest, not random: the same message renders to the same bytes.
    baseBoundary: key.slice(0, 16),
    xMailer: false,
  };
}
