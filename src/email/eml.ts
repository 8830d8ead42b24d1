import type { SendMailOptions } from 'nodemailer';

/**
 * The message as an RFC 5322 file (CRLF line ends), built by nodemailer's
 * stream transport; nothing is sent. nodemailer is imported on first use.
 */
export async function messageToEml(message: SendMailOptions): Promise<Buffer> {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail(message);
  return info.message as Buffer;
}
