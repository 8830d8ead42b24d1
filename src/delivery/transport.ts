import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type nodemailerModule from 'nodemailer';
import type { SendMailOptions, SMTPPoolOptions } from 'nodemailer';
import type { Config } from '../config/load.js';
import { emlWriter } from '../email/eml.js';
import { BroadsheetError } from '../errors.js';
import { requireBundled } from '../util/bundled.js';
import { dkimSign, type DkimKey } from './dkim.js';
import type { Mailer } from './mailer.js';

/** Reads the DKIM key named in the config, or undefined when DKIM is off. Fails before anything is sent. */
export async function loadDkim(config: Config): Promise<DkimKey | undefined> {
  const dkim = config.email?.dkim;
  if (!dkim) return undefined;
  const file = path.resolve(config.paths.root, dkim.privateKeyFile);
  let privateKey: string;
  try {
    privateKey = await readFile(file, 'utf8');
  } catch (cause) {
    throw new BroadsheetError('DKIM_KEY_UNREADABLE', `cannot read the DKIM key ${file} (email.dkim.privateKeyFile): ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  try {
    return { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey: createPrivateKey(privateKey) };
  } catch (cause) {
    throw new BroadsheetError('DKIM_KEY_UNREADABLE', `${file} (email.dkim.privateKeyFile) is not a PEM private key`, { cause });
  }
}

export interface SmtpTuning {
  /** Connect, greeting and idle-socket timeout in milliseconds. */
  timeoutMs?: number;
  /** The rate limit is kept across senders by the store (DeliveryQueue.pace), not by this pool. */
  sharedRate?: boolean;
}

/**
 * A pooled SMTP transporter from SMTP_URL. The pool never requeues a message
 * by itself: every attempt goes through the ledger, so attempts are counted
 * and a retry is always a recorded decision.
 */
export function smtpTransport(config: Config, smtpUrl: string, dkim: DkimKey | undefined, tuning: SmtpTuning = {}): Mailer {
  const email = config.email!;
  const timeout = tuning.timeoutMs ?? 60_000;
  try {
    const url = new URL(smtpUrl);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('scheme');
  } catch (cause) {
    // The URL may hold a password: never echo it.
    throw new BroadsheetError('SMTP_NOT_CONFIGURED', 'SMTP_URL is not a URL like smtp://user:password@host:587 or smtps://user:password@host:465', { cause });
  }
  const options: SMTPPoolOptions = {
    pool: true,
    url: smtpUrl,
    maxConnections: email.maxConnections,
    maxMessages: Infinity,
    maxRequeues: 0,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(email.rateLimit > 0 && !tuning.sharedRate ? rateOptions(email.rateLimit) : {}),
  };
  const pool = requireBundled<typeof nodemailerModule>('nodemailer').createTransport(options);
  if (!dkim) return { sendMail: (mail) => pool.sendMail(mail), close: () => pool.close() };
  // Signed here, not by nodemailer, which cannot over-sign (see dkim.ts); the pool sends the signed bytes as they are.
  const toEml = emlWriter();
  return {
    async sendMail(mail) {
      const raw = dkimSign(await (await toEml)(mail), dkim);
      // The signal too: the sender cuts a message still on the wire when a shutdown's grace runs out.
      return pool.sendMail({ envelope: envelopeOf(mail), raw, ...(mail.messageId ? { messageId: mail.messageId } : {}), ...(mail.signal ? { signal: mail.signal } : {}) });
    },
    close: () => pool.close(),
  };
}

/** The SMTP envelope of a message: its own when set (a bounce address), otherwise From and To. */
export function envelopeOf(mail: SendMailOptions): { from: string; to: string[] } {
  if (mail.envelope && typeof mail.envelope === 'object' && 'from' in mail.envelope) {
    const e = mail.envelope as { from?: unknown; to?: unknown };
    return { from: String(e.from ?? ''), to: ([] as unknown[]).concat(e.to ?? []).map(String) };
  }
  const address = (a: unknown): string => (typeof a === 'string' ? (/<([^>]+)>/.exec(a)?.[1] ?? a) : String((a as { address?: string })?.address ?? ''));
  return { from: address(mail.from), to: ([] as unknown[]).concat(mail.to ?? []).map(address) };
}

/** The longest delay setTimeout honours; a longer one fires at once, which would lift the limit altogether. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * rateLimit is messages per second, possibly fractional; the pool counts
 * whole messages per window. The window is widened so that whole messages
 * give the exact rate (1.5 a second: 1 every 667 ms), and never beyond what a
 * timer can wait.
 */
export function rateOptions(perSecond: number): Pick<SMTPPoolOptions, 'rateLimit' | 'rateDelta'> {
  const messages = Math.max(1, Math.floor(perSecond));
  return { rateLimit: messages, rateDelta: Math.min(MAX_TIMER_MS, Math.max(1, Math.round((1000 * messages) / perSecond))) };
}
