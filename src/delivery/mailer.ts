import type { SendMailOptions } from 'nodemailer';

/**
 * What the sender needs of an SMTP connection pool: hand over one message,
 * get the server's reply (or its refusal as an error), and close. The sender
 * owns this port; delivery/transport.ts implements it over nodemailer.
 */
export interface Mailer {
  sendMail(mail: SendMailOptions): Promise<{ response?: unknown }>;
  close(): void;
}
