import { createHmac } from 'node:crypto';
import type { NodemailerError } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import type { DkimKey } from '../delivery/dkim.js';
import { classify, replyOf, type RetryPolicy } from '../delivery/sender.js';
import { createConfirmToken } from '../delivery/tokens.js';
import { smtpTransport, type SmtpTuning } from '../delivery/transport.js';
import { verpAddress } from '../delivery/verp.js';
import { renderConfirmation } from '../email/confirmation.js';
import { encodedPersonalizer } from '../email/digest.js';
import { buildNotice, sender } from '../email/message.js';
import type { Logger } from '../log.js';
import { sleep } from '../util/sleep.js';

/** One confirmation mail: to whom, and the request it confirms (its time is in the link). */
export interface ConfirmationRequest {
  id: number;
  email: string;
  name?: string | undefined;
  requestedAt: Date;
}

/** sent: the server accepted it; refused: 5xx; failed: the server could not be reached (or kept saying try later). */
export type MailOutcome = 'sent' | 'refused' | 'failed';

export interface ConfirmationMailer {
  /** Queues one confirmation mail, sent (a few at a time) with temporary failures retried; resolves with its outcome, never rejects. */
  send(request: ConfirmationRequest): Promise<MailOutcome>;
  /** Resolves once every mail handed to send() so far has settled. */
  idle(): Promise<void>;
  /** Waits for the mails in flight, then closes the SMTP pool. */
  close(): Promise<void>;
}

export interface MailerOptions {
  config: Config;
  secret: string;
  smtpUrl: string;
  dkim: DkimKey | undefined;
  clock: Clock;
  log: Logger;
  smtp?: SmtpTuning;
  retry?: RetryPolicy;
}

/** The confirmation link of one request. */
export function confirmUrl(config: Config, secret: string, email: string, requestedAt: Date): string {
  return publicUrls(config).confirm(createConfirmToken(secret, email, requestedAt));
}

/**
 * Sends confirmation mails through the same pooled SMTP transport as the
 * digest (delivery/transport.ts). The templates are rendered once, when the
 * mailer opens (so a template error stops `serve` at start); each mail only
 * fills in its address, name and link. Its envelope sender is the VERP
 * address of issue 0, so a bounce of a confirmation names the address too.
 */
export async function openConfirmationMailer(opts: MailerOptions): Promise<ConfirmationMailer> {
  const { config, secret, clock, log } = opts;
  const rendered = await renderConfirmation(config);
  // Encoded once, as the digest's bodies are: each mail fills and encodes only its own lines.
  const fill = encodedPersonalizer(rendered);
  const transport = smtpTransport(config, opts.smtpUrl, opts.dkim, opts.smtp);
  const retry = opts.retry ?? { attempts: 3, backoffMs: 2000 };
  const domain = sender(config).address.split('@').pop()!.toLowerCase();
  const returnPath = config.email?.returnPath;
  const closing = new AbortController();

  const attempt = async (r: ConfirmationRequest): Promise<MailOutcome> => {
    const link = confirmUrl(config, secret, r.email, r.requestedAt);
    const recipient = { email: r.email, ...(r.name ? { name: r.name } : {}), confirmUrl: link, unsubscribeUrl: '', viewUrl: '' };
    const hash = createHmac('sha256', secret).update(`broadsheet/confirm-id/${r.requestedAt.getTime()}/${r.email}`).digest('hex').slice(0, 24);
    const mail = buildNotice(config, rendered, fill(recipient), recipient, {
      messageId: `<confirm.${hash}@${domain}>`,
      date: clock.now(),
      ...(returnPath ? { envelopeFrom: verpAddress(returnPath, secret, { subscriberId: r.id, issue: 0 }) } : {}),
    });
    for (let n = 1; ; n++) {
      try {
        await transport.sendMail(mail);
        log.info('confirmation sent', { subscriber: r.id });
        return 'sent';
      } catch (e) {
        const err = e as NodemailerError;
        const verdict = classify(err);
        if (verdict === 'permanent') {
          log.warn('confirmation refused', { subscriber: r.id, reply: replyOf(err) });
          return 'refused';
        }
        if (verdict === 'fatal' || n >= retry.attempts || closing.signal.aborted) {
          log.error('confirmation not sent', { subscriber: r.id, reply: replyOf(err), attempts: n });
          return 'failed';
        }
        await sleep(retry.backoffMs * 2 ** (n - 1), closing.signal);
      }
    }
  };

  // A queue of requests, a few mails built and sent at a time (email.maxConnections): a burst of
  // requests holds small records, not built messages, and the requests keep most of the CPU.
  const queue: { r: ConfirmationRequest; done: (o: MailOutcome) => void }[] = [];
  let head = 0;
  let active = 0;
  const idleWaiters: (() => void)[] = [];
  const concurrency = config.email!.maxConnections;
  const idle = () => (active === 0 && head === queue.length ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));
  const pump = () => {
    while (active < concurrency && head < queue.length) {
      const job = queue[head]!;
      queue[head++] = undefined as never;
      active++;
      void attempt(job.r).then(job.done, () => job.done('failed')).finally(() => {
        active--;
        if (head === queue.length) {
          queue.length = head = 0;
          if (active === 0) for (const w of idleWaiters.splice(0)) w();
        }
        pump();
      });
    }
  };

  return {
    send(r) {
      return new Promise<MailOutcome>((done) => {
        queue.push({ r, done });
        // Started on the next turn of the event loop: a caller answering a request does so before any of the mail's work.
        setImmediate(pump);
      });
    },
    idle,
    async close() {
      closing.abort();
      await idle();
      transport.close();
    },
  };
}
