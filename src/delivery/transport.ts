import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type DKIMOptions, type Transporter } from 'nodemailer';
import type { SMTPPoolOptions } from 'nodemailer';
import type { Config } from '../config/load.js';
import { BroadsheetError } from '../errors.js';

/**
 * The headers a signature covers. Gmail and Yahoo honour one-click
 * unsubscribe only when List-Unsubscribe and List-Unsubscribe-Post are
 * signed (RFC 8058 §4), so they are named here rather than left to a default.
 */
export const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:' +
  'List-Id:List-Unsubscribe:List-Unsubscribe-Post';

/** Reads the DKIM key named in the config, or undefined when DKIM is off. Fails before anything is sent. */
export async function loadDkim(config: Config): Promise<DKIMOptions | undefined> {
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
    createPrivateKey(privateKey);
  } catch (cause) {
    throw new BroadsheetError('DKIM_KEY_UNREADABLE', `${file} (email.dkim.privateKeyFile) is not a PEM private key`, { cause });
  }
  return { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey, headerFieldNames: DKIM_HEADERS };
}

export interface SmtpTuning {
  /** Connect, greeting and idle-socket timeout in milliseconds. */
  timeoutMs?: number;
}

/**
 * A pooled SMTP transporter from SMTP_URL. The pool never requeues a message
 * by itself: every attempt goes through the ledger, so attempts are counted
 * and a retry is always a recorded decision.
 */
export function smtpTransport(config: Config, smtpUrl: string, dkim: DKIMOptions | undefined, tuning: SmtpTuning = {}): Transporter {
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
    ...(email.rateLimit > 0 ? rateOptions(email.rateLimit) : {}),
    ...(dkim ? { dkim } : {}),
  };
  return nodemailer.createTransport(options);
}

/** rateLimit is messages per second, possibly fractional; the pool counts whole messages per window. */
function rateOptions(perSecond: number): Pick<SMTPPoolOptions, 'rateLimit' | 'rateDelta'> {
  return perSecond >= 1 ? { rateLimit: Math.round(perSecond), rateDelta: 1000 } : { rateLimit: 1, rateDelta: Math.round(1000 / perSecond) };
}
