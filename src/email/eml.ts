import type nodemailerModule from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { requireBundled } from '../util/bundled.js';

/**
 * Turns messages into RFC 5322 bytes (CRLF line ends) with nodemailer's
 * stream transport; nothing is sent. The one place a message becomes bytes:
 * digest.eml, the outbox, and DKIM-signed messages before they are sent.
 * nodemailer is loaded on first use.
 */
export async function emlWriter(): Promise<(message: SendMailOptions) => Promise<Buffer>> {
  const nodemailer = requireBundled<typeof nodemailerModule>('nodemailer');
  // 'windows' is the spelling nodemailer takes for CRLF ('crlf' silently means LF).
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return async (message) => (await transport.sendMail(message)).message as Buffer;
}

/** One message as an .eml file's bytes. */
export async function messageToEml(message: SendMailOptions): Promise<Buffer> {
  return (await emlWriter())(message);
}
