import { createHmac } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import { encodedPersonalizer, type Recipient } from '../email/digest.js';
import { buildMessage, unsubscribeMailto } from '../email/message.js';
import { receiptReason } from '../email/reason.js';
import type { Consent, RenderedIssue } from './model.js';
import { createToken, createUnsubscribeToken } from './tokens.js';
import { verpAddress } from './verp.js';

export interface Addressee {
  email: string;
  name?: string;
  /** The subscriber's id: with `email.returnPath`, their copy's envelope sender names them. */
  subscriberId?: number;
  /** Their consent record, for the reason line; a test copy has none. */
  consent?: Consent;
}

export interface Prepared {
  messageId: string;
  mail: SendMailOptions;
}

export function unsubscribeUrl(config: Config, secret: string, email: string): string {
  return publicUrls(config).unsubscribe(createUnsubscribeToken(secret, email));
}

export function manageUrl(config: Config, secret: string, email: string): string {
  return publicUrls(config).manage(createToken('manage', secret, email));
}

function fromDomain(config: Config): string {
  const from = config.email!.from;
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Makes the per-recipient message for one issue. MJML ran once when the issue
 * was rendered, and the bodies are encoded once for everybody; here only the
 * lines with the recipient's own values are filled in and encoded.
 *
 * The Message-ID is derived from (issue, address), so a copy resent after a
 * crash carries the same ID as the one that may already have arrived, and
 * mail clients and the archive can tell them apart from a new message. The
 * issue's creation time is part of it so that a rebuilt database never
 * reuses an ID. `variant` makes test copies distinct from the real ones;
 * `subjectPrefix` marks them ("[TEST] ") in the inbox.
 */
export function messageMaker(config: Config, issue: RenderedIssue, secret: string, clock: Clock, variant = '', subjectPrefix = ''): (to: Addressee) => Prepared {
  const digest = { subject: `${subjectPrefix}${issue.subject}`, preheader: issue.preheader, html: issue.html, text: issue.text };
  const fill = encodedPersonalizer(digest);
  const domain = fromDomain(config);
  const viewUrl = publicUrls(config).issue(issue.number);
  const idKey = createHmac('sha256', secret).update(`broadsheet/message-id/${issue.number}/${issue.createdAt.toISOString()}/${variant}`).digest();
  const returnPath = config.email!.returnPath;
  return (to) => {
    const token = createUnsubscribeToken(secret, to.email);
    const recipient: Recipient = {
      email: to.email,
      ...(to.name ? { name: to.name } : {}),
      unsubscribeUrl: publicUrls(config).unsubscribe(token),
      viewUrl,
      manageUrl: manageUrl(config, secret, to.email),
      reason: receiptReason(config, to.consent),
    };
    const hash = createHmac('sha256', idKey).update(to.email).digest('hex').slice(0, 24);
    const messageId = `<issue-${issue.number}.${hash}@${domain}>`;
    const mail = buildMessage(config, digest, fill(recipient), recipient, {
      messageId,
      // The Date header comes from the injected clock, not from nodemailer's.
      date: clock.now(),
      listUnsubscribeMailto: unsubscribeMailto(config, token),
      ...(returnPath && to.subscriberId !== undefined ? { envelopeFrom: verpAddress(returnPath, secret, { subscriberId: to.subscriberId, issue: issue.number }) } : {}),
    });
    return { messageId, mail };
  };
}
