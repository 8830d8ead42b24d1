import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

/** What reading a mail needs of it, as mailparser decoded it. */
export interface MailFacts {
  /** The mail's own Message-ID, when it has one. */
  messageId: string | undefined;
  /** SHA-256 of the bytes as received, hex. */
  hash: string;
  subject: string;
  /** The From address, lowercased. */
  from: string;
  /**
   * Who it was sent to: the SMTP envelope when broadsheet received it itself;
   * from a mailbox, Delivered-To, X-Original-To, Envelope-To and To.
   */
  recipients: string[];
  /** Header fields by lowercase name, their decoded text (the first of repeated ones). */
  header(name: string): string | undefined;
  /** The text parts, decoded (quoted-printable and base64 undone, charsets converted). */
  text: string;
  /** The parts that are not text: message/delivery-status, message/feedback-report, message/rfc822, text/rfc822-headers. */
  parts: { type: string; content: string }[];
}

const ADDRESS_HEADERS = ['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'to'];

function addresses(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').map((s) => s.replace(/^.*<|>.*$/g, '').trim()).filter(Boolean);
  const list = (Array.isArray(value) ? value : [value]) as (AddressObject | undefined)[];
  return list.flatMap((a) => a?.value ?? []).flatMap((v) => (v.group ? v.group : [v])).map((v) => v.address ?? '').filter(Boolean);
}

/** mailparser's view of a header value, as text. */
function headerText(m: ParsedMail, name: string): string | undefined {
  const line = m.headerLines.find((h) => h.key === name);
  return line === undefined ? undefined : line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * Parses a mail with mailparser. Delivery-status parts are kept as parts
 * (mailparser would otherwise fold them into the text), and nothing is
 * converted to or from HTML: reading a report needs none of it.
 */
export async function parseMail(raw: Buffer, envelopeRecipients: readonly string[] = []): Promise<MailFacts> {
  const m = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  const recipients = envelopeRecipients.length > 0 ? [...envelopeRecipients] : ADDRESS_HEADERS.flatMap((h) => addresses(h === 'to' ? m.to : (headerText(m, h) ?? '')));
  const textParts = [m.text ?? '', typeof m.html === 'string' ? m.html : ''];
  return {
    messageId: m.messageId,
    hash: createHash('sha256').update(raw).digest('hex'),
    subject: m.subject ?? '',
    from: (addresses(m.from)[0] ?? '').toLowerCase(),
    recipients,
    header: (name) => headerText(m, name),
    text: textParts.join('\n'),
    parts: m.attachments.filter((a) => /^(message|text)\//i.test(a.contentType)).map((a) => ({ type: a.contentType.toLowerCase(), content: a.content.toString('utf8') })),
  };
}
