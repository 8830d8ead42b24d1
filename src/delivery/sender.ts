import type { NodemailerError } from 'nodemailer';
import type { Clock } from '../clock.js';
import { BroadsheetError } from '../errors.js';
import type { Logger } from '../log.js';
import { runPool } from '../util/pool.js';
import { sleep } from '../util/sleep.js';
import type { Ledger } from './ledger.js';
import type { Mailer } from './mailer.js';
import type { Addressee, Prepared } from './messages.js';
import type { Delivery } from './model.js';

export interface RetryPolicy {
  /** Attempts per delivery within one run, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubled before each further one. */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 2000 };

export type DeliveryEvent =
  | { kind: 'accepted'; email: string; attempt: number; reply: string }
  | { kind: 'failed'; email: string; attempt: number; reply: string }
  | { kind: 'retry'; email: string; attempt: number; reply: string; waitMs: number }
  | { kind: 'pending'; email: string; attempt: number; reply: string }
  | { kind: 'skipped'; email: string; attempt: number; reply: string };

export interface DeliverOptions {
  ledger: Ledger;
  issue: number;
  due: readonly Delivery[];
  transporter: Mailer;
  make: (to: Addressee) => Prepared;
  clock: Clock;
  signal: AbortSignal;
  /** Messages in flight at once; the ledger never has more deliveries `submitted` than this. */
  concurrency: number;
  retry: RetryPolicy;
  onEvent: (e: DeliveryEvent) => void;
  /** A permanent refusal (5xx): the list records it as a bounce of the address. Awaited before the next message of this worker. */
  onRefused?: (d: Delivery, reply: string) => Promise<void>;
}

type Verdict = 'temporary' | 'permanent' | 'fatal';

/**
 * RFC 5321: a 5yz reply is the server's final word on this message, a 4yz
 * reply (or no reply: a dropped connection, a timeout) means try later.
 * Authentication and configuration errors are about us, not the message:
 * they stop the run with every remaining delivery left pending.
 */
export function classify(err: NodemailerError): Verdict {
  if (['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG'].includes(err.code ?? '')) return 'fatal';
  if (typeof err.permanent === 'boolean') return err.permanent ? 'permanent' : 'temporary';
  const code = err.responseCode;
  return code !== undefined && code >= 500 && code !== 503 ? 'permanent' : 'temporary';
}

export function replyOf(err: NodemailerError): string {
  return (err.response ?? `${err.code ? err.code + ': ' : ''}${err.message}`).replace(/\s+/g, ' ').trim().slice(0, 1000);
}

/**
 * Sends every due delivery of an issue, recording each one in the ledger
 * before the message is handed to the server (`submitted`, with its
 * Message-ID) and again as soon as the server answers. When `signal` aborts,
 * no new message is taken; those in flight finish and are recorded.
 */
export async function deliver(opts: DeliverOptions): Promise<void> {
  const { ledger, issue, due, transporter, clock, signal, retry } = opts;
  let fatal: BroadsheetError | undefined;

  const deliverOne = async (d: Delivery): Promise<void> => {
    const { messageId, mail } = opts.make({ email: d.email, ...(d.name ? { name: d.name } : {}) });
    for (let attempt = 1; ; attempt++) {
      if (!(await ledger.markSubmitted(issue, d.subscriberId, messageId, clock.now()))) {
        opts.onEvent({ kind: 'skipped', email: d.email, attempt, reply: 'unsubscribed during the send' });
        return;
      }
      let info: { response?: unknown };
      try {
        info = await transporter.sendMail(mail);
      } catch (e) {
        const err = e as NodemailerError;
        const reply = replyOf(err);
        const verdict = classify(err);
        await ledger.markOutcome(issue, d.subscriberId, verdict === 'permanent' ? 'failed' : 'pending', reply, clock.now());
        if (verdict === 'permanent') {
          await opts.onRefused?.(d, reply);
          opts.onEvent({ kind: 'failed', email: d.email, attempt, reply });
          return;
        }
        if (verdict === 'fatal') {
          fatal ??= new BroadsheetError('SMTP_NOT_CONFIGURED', `the SMTP server refused us: ${reply}`, { cause: err });
          return;
        }
        if (attempt >= retry.attempts || signal.aborted || fatal) {
          opts.onEvent({ kind: 'pending', email: d.email, attempt, reply });
          return;
        }
        const waitMs = retry.backoffMs * 2 ** (attempt - 1);
        opts.onEvent({ kind: 'retry', email: d.email, attempt, reply, waitMs });
        await sleep(waitMs, signal);
        if (signal.aborted || fatal) {
          opts.onEvent({ kind: 'pending', email: d.email, attempt, reply });
          return;
        }
        continue;
      }
      // Outside the try: a ledger write that fails after the server accepted
      // must not read as an SMTP failure and send the message again. The row
      // stays `submitted`, and the next run resends it at most once.
      const reply = String(info.response ?? '').trim();
      await ledger.markOutcome(issue, d.subscriberId, 'accepted', reply, clock.now());
      opts.onEvent({ kind: 'accepted', email: d.email, attempt, reply });
      return;
    }
  };

  // A worker's error (a ledger write that failed) stops new deliveries, and is
  // thrown only once the others' messages in flight are recorded.
  await runPool(due, opts.concurrency, deliverOne, { stop: () => signal.aborted || fatal !== undefined });
  if (fatal) throw fatal;
}
