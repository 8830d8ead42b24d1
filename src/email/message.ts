// TEMPORARY STAND-IN for the email helper's src/email/message.ts (contract names only).
// The delivery branch deletes this file when the `email` branch is merged.
import type { SendMailOptions } from 'nodemailer';
import type { Config } from '../config/load.js';
import type { Recipient, RenderedDigest } from './digest.js';

export function buildMessage(
  config: Config,
  digest: RenderedDigest,
  personal: { html: string; text: string },
  r: Recipient,
  extra: { messageId?: string; listUnsubscribeMailto?: string },
): SendMailOptions {
  const email = config.email!;
  const host = new URL(config.site.url).hostname;
  const mailto = extra.listUnsubscribeMailto ?? email.unsubscribeMailto ?? (/<([^>]+)>/.exec(email.from)?.[1] ?? email.from);
  return {
    from: email.from,
    ...(email.replyTo ? { replyTo: email.replyTo } : {}),
    to: r.name ? { name: r.name, address: r.email } : r.email,
    subject: digest.subject,
    ...(extra.messageId ? { messageId: extra.messageId } : {}),
    html: personal.html,
    text: personal.text,
    headers: {
      'List-Id': `<${email.listId ?? host.replace(/[^a-z0-9.-]/gi, '')}>`,
      'List-Unsubscribe': `<${r.unsubscribeUrl}>, <mailto:${mailto}?subject=unsubscribe>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
