import type { NodemailerError, SendMailOptions } from 'nodemailer';
import type { Clock } from '../clock.js';
import { BroadsheetError } from '../errors.js';
import { sleep } from '../util/sleep.js';
import type { Claim, Ledger, Outcome } from './ledger.js';
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

/**
 * When a delivery that keeps failing temporarily becomes `failed`, as a mail
 * server gives up on a message it cannot pass on (RFC 5321 §4.5.4.1).
 */
export interface GiveUpPolicy {
  /** Time since the delivery was opened. */
  afterMs: number;
  /** Attempts made (over all runs); 0 for no limit by count. */
  afterAttempts: number;
}

/**
 * After a stop is asked for (SIGTERM), how long messages already on the wire
 * may take to be answered; then their connections are cut. Under the
 * scheduler's SHUTDOWN_GRACE_MS, so that a tick always ends inside it.
 */
export const DELIVERY_GRACE_MS = 5000;

/**
 * Connection-level failures in a row (dropped, timed out, 421), each while
 * carrying a different message, that stop a run: the server, not the
 * messages, is failing. One message that makes the server drop it, however
 * often retried, counts once.
 */
export const BREAKER_THRESHOLD = 3;

/**
 * Deferrals (a 4yz reply to the message) of this many different messages in
 * a row, each offered for the first time and addressed to at least
 * DEFERRAL_DOMAINS different domains, also stop a run: a relay that defers
 * everything (over its quota, its queue full) is failing, and going on
 * would charge an attempt to every reader for nothing. Greylisting defers
 * the readers of the one domain its server receives for, and a resume
 * offers mostly messages deferred before (a full mailbox stays full):
 * neither trips it.
 */
export const DEFERRAL_THRESHOLD = 10;
export const DEFERRAL_DOMAINS = 3;

export type DeliveryEvent =
  | { kind: 'accepted'; email: string; attempt: number; reply: string }
  | { kind: 'failed'; email: string; attempt: number; reply: string }
  | { kind: 'given-up'; email: string; attempt: number; reply: string; openedAt: Date }
  | { kind: 'retry'; email: string; attempt: number; reply: string; waitMs: number }
  | { kind: 'pending'; email: string; attempt: number; reply: string }
  | { kind: 'skipped'; email: string; attempt: number; reply: string };

/** Where a run takes its deliveries from one at a time, when not from a list read up front (leases.ts). */
export interface DueSource {
  /** The next delivery to send; undefined when there is none left. May wait (for other senders). */
  next(): Promise<Delivery | undefined>;
  /** Whether next() answers without a round trip to the store. */
  ready(): boolean;
}

export interface DeliverOptions {
  ledger: Ledger;
  issue: number;
  /** The deliveries to make: a list read up front, or a source taking them as the lanes need them (several senders on one issue). */
  due: readonly Delivery[] | DueSource;
  transporter: Mailer;
  make: (to: Addressee) => Prepared;
  clock: Clock;
  signal: AbortSignal;
  /** Messages in flight at once; the ledger never has more deliveries `submitted` than this. */
  concurrency: number;
  retry: RetryPolicy;
  giveUp: GiveUpPolicy;
  onEvent: (e: DeliveryEvent) => void;
  /** A permanent refusal (5xx): the list records it as a bounce of the address. Awaited before the next message of this worker. */
  onRefused?: (d: Delivery, reply: string) => Promise<void>;
  /** Waits for this message's turn under a rate limit shared with other senders (false: the run stopped first, no turn); without it, the pool keeps the rate. */
  pace?: () => Promise<boolean>;
}

/**
 * - permanent: a 5yz reply, the server's final word on this message;
 * - temporary: a 4yz reply to this message: try later;
 * - connection: the connection failed while it carried this message (dropped,
 *   timed out, 421): try later, and several in a row mean the server is failing;
 * - server: the server itself cannot be reached (connection refused, no
 *   greeting, TLS or DNS failure) or refuses us with a 5yz before the message
 *   is offered (to the connection, EHLO, STARTTLS, or our envelope sender at
 *   MAIL FROM): the message was never offered;
 * - fatal: the server refused our credentials or the configuration is wrong;
 * - cut: we cut the connection ourselves at shutdown: the message may have arrived.
 */
type Verdict = 'permanent' | 'temporary' | 'connection' | 'server' | 'fatal' | 'cut';

const SERVER_TIMEOUTS = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * OpenSSL's and Node's codes for a TLS handshake that failed (wrong protocol,
 * a certificate refused). On an implicit-TLS (smtps) connection nodemailer
 * reports them as ESOCKET with the TLS code in `originalCode`, not as ETLS.
 */
const TLS_FAILURE = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_)/;

/** RFC 5321: a 5yz reply is final, a 4yz reply (or no reply: a dropped connection, a timeout) means try later. */
export function classify(err: NodemailerError): Verdict {
  const code = err.code ?? '';
  if (['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG'].includes(code)) return 'fatal';
  if (code === 'EABORT') return 'cut';
  const cause = err.originalCode ?? err.errno?.toString() ?? '';
  // A 5yz before this message was offered (to the connection, EHLO, STARTTLS) or to our envelope
  // sender (MAIL FROM: a return path the relay will not take) is the server refusing us, not a
  // verdict on the recipient: never a bounce of the reader.
  if (err.responseCode !== undefined && err.responseCode >= 500 && !offered(err)) return 'server';
  if (code === 'EDNS' || code === 'ETLS' || SERVER_TIMEOUTS.has(err.timeoutType ?? '') || UNREACHABLE.has(cause) || TLS_FAILURE.test(cause)) return 'server';
  const reply = err.responseCode;
  if (reply === 421) return 'connection';
  if (typeof err.permanent === 'boolean') return err.permanent ? 'permanent' : 'temporary';
  if (reply !== undefined) return reply >= 500 && reply !== 503 ? 'permanent' : 'temporary';
  return 'connection';
}

/**
 * Whether the message itself was offered before the failure. A refusal at
 * the greeting (a reply while connecting: 421 too busy) or at EHLO is the
 * server's, not this message's, and is not counted as an attempt.
 */
function offered(err: NodemailerError): boolean {
  const command = err.command ?? '';
  return !((command === 'CONN' && err.responseCode !== undefined) || ['EHLO', 'HELO', 'LHLO', 'STARTTLS'].includes(command) || command.startsWith('AUTH') || (command === 'MAIL FROM' && (err.responseCode ?? 0) >= 500));
}

export function replyOf(err: NodemailerError): string {
  return (err.response ?? `${err.code ? err.code + ': ' : ''}${err.message}`).replace(/\s+/g, ' ').trim().slice(0, 1000);
}

/**
 * Whether a delivery that just failed temporarily has been tried long enough.
 * By time, only once it has also been offered `minAttempts` times in all
 * (the attempts of one run), at least once in an earlier run
 * (`attemptsBefore`): after an outage that held it back (no attempt charged),
 * the first run back never gives up on it at a passing 4yz such as greylisting.
 */
export function givesUp(policy: GiveUpPolicy, openedAt: Date, attempts: number, now: Date, attemptsBefore: number, minAttempts: number): boolean {
  const byTime = now.getTime() - openedAt.getTime() >= policy.afterMs && attemptsBefore > 0 && attempts >= minAttempts;
  return byTime || (policy.afterAttempts > 0 && attempts >= policy.afterAttempts);
}

export interface DeliverResult {
  /** Set when the run stopped early because of the server (SMTP_UNAVAILABLE) or our credentials (SMTP_NOT_CONFIGURED). */
  halted?: BroadsheetError;
}

/**
 * The ledger writes of every connection gathered into one transaction per
 * turn of the event loop (a group commit). Each caller still waits for the
 * commit that holds its write, so nothing is sent before its claim is on
 * disk, and no connection takes a new message before the answer to its last
 * one is.
 */
class GroupCommit {
  private outcomes: Outcome[] = [];
  private claims: Claim[] = [];
  private waiters: { claim: number | undefined; resolve: (taken: boolean) => void; reject: (e: unknown) => void }[] = [];
  private busy = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly issue: number,
    private readonly clock: Clock,
  ) {}

  /** Records an outcome and/or makes a claim; resolves once committed, to whether the claim was taken. */
  write(outcome: Outcome | undefined, claim: Claim | undefined): Promise<boolean> {
    if (!outcome && !claim) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      if (outcome) this.outcomes.push(outcome);
      const index = claim ? this.claims.push(claim) - 1 : undefined;
      this.waiters.push({ claim: index, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const outcomes = this.outcomes;
    const claims = this.claims;
    const waiters = this.waiters;
    this.outcomes = [];
    this.claims = [];
    this.waiters = [];
    try {
      const taken = await this.ledger.record(this.issue, { outcomes, claims }, this.clock.now());
      for (const w of waiters) w.resolve(w.claim === undefined || taken[w.claim] === true);
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
    // Writes that came while this one was committing go in the next.
    if (this.waiters.length > 0) setImmediate(() => void this.flush());
    else this.busy = false;
  }
}

/**
 * Sends every due delivery of an issue over `concurrency` lanes, one per
 * pooled connection. Each delivery is claimed in the ledger (`submitted`,
 * with its Message-ID) before its message is handed over, and its outcome is
 * recorded before its lane takes the next one (the two go in one commit).
 *
 * Stops early (`halted`), leaving the rest pending with no attempt counted
 * against them, when the server itself fails (SMTP_UNAVAILABLE) or refuses
 * our credentials (SMTP_NOT_CONFIGURED). When `signal` aborts, no new message is
 * taken; those on the wire get DELIVERY_GRACE_MS to be answered, then their
 * connections are cut and their deliveries stay `submitted` (they may have
 * arrived: the next run sends them again, with the same Message-ID).
 */
export async function deliver(opts: DeliverOptions): Promise<DeliverResult> {
  const { issue, due, clock, signal, retry } = opts;
  const commit = new GroupCommit(opts.ledger, issue, clock);
  const onWire = new Set<AbortController>();
  let next = 0;
  // The deliveries whose connections failed since the last answer from the server (the breaker).
  const failures = new Set<number>();
  // The first offers deferred since the last message the server took or refused, with their readers' domains.
  // Domains only ever join the set until it is cleared, so it is kept beside the readers rather than counted anew.
  const deferrals = { readers: new Set<number>(), domains: new Set<string>() };
  const clearDeferrals = () => {
    deferrals.readers.clear();
    deferrals.domains.clear();
  };
  let stopReason: BroadsheetError | undefined;
  let failed = false;

  const stopped = () => signal.aborted || stopReason !== undefined || failed;
  const stop = (code: 'SMTP_UNAVAILABLE' | 'SMTP_NOT_CONFIGURED', message: string, cause: unknown) => {
    stopReason ??= new BroadsheetError(code, message, { cause });
  };

  // After the grace, messages still on the wire are cut: a silent server must not hold a shutdown.
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    graceTimer = setTimeout(() => {
      for (const c of onWire) c.abort();
    }, DELIVERY_GRACE_MS);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  const send = async (mail: SendMailOptions): Promise<{ reply: string } | { error: NodemailerError } | { unsent: true }> => {
    if (opts.pace && !(await opts.pace())) return { unsent: true };
    const cut = new AbortController();
    onWire.add(cut);
    try {
      const info = (await opts.transporter.sendMail({ ...mail, signal: cut.signal })) as { response?: unknown };
      return { reply: String(info.response ?? '').trim() };
    } catch (e) {
      return { error: e as NodemailerError };
    } finally {
      onWire.delete(cut);
    }
  };

  /** Sends one claimed delivery, retrying within the run; the outcome to record, or undefined when there is none to write. */
  const attempt = async (d: Delivery, prepared: Prepared): Promise<Outcome | undefined> => {
    const { subscriberId, email } = d;
    let attempts = d.attempts;
    let lastReply = d.lastReply;
    for (let n = 1; ; n++) {
      const sent = await send(prepared.mail);
      // The run stopped while the message waited for its turn under the rate limit: it never left, and stays pending.
      if ('unsent' in sent) return { subscriberId, state: 'pending', reply: lastReply, attempted: false };
      if ('reply' in sent) {
        failures.clear();
        clearDeferrals();
        opts.onEvent({ kind: 'accepted', email, attempt: n, reply: sent.reply });
        return { subscriberId, state: 'accepted', reply: sent.reply, attempted: true };
      }
      const reply = replyOf(sent.error);
      const verdict = classify(sent.error);
      // Left `submitted`: the server may have taken it before we cut the connection.
      if (verdict === 'cut') return undefined;
      if (verdict === 'fatal') {
        stop('SMTP_NOT_CONFIGURED', `the SMTP server refused us: ${reply}`, sent.error);
        return { subscriberId, state: 'pending', reply, attempted: false };
      }
      if (verdict === 'server') {
        const refused = sent.error.responseCode !== undefined ? 'refused us before any message was offered' : 'cannot be reached';
        stop('SMTP_UNAVAILABLE', `the SMTP server ${refused}: ${reply}`, sent.error);
        return { subscriberId, state: 'pending', reply, attempted: false };
      }
      const counted = offered(sent.error);
      if (counted) attempts++;
      if (verdict === 'permanent') {
        failures.clear();
        clearDeferrals();
        await opts.onRefused?.(d, reply);
        opts.onEvent({ kind: 'failed', email, attempt: n, reply });
        return { subscriberId, state: 'failed', reply, attempted: counted };
      }
      if (verdict === 'connection') {
        failures.add(subscriberId);
        if (failures.size >= BREAKER_THRESHOLD) stop('SMTP_UNAVAILABLE', `the SMTP server failed ${failures.size} connections in a row, the last with: ${reply}`, sent.error);
      } else {
        failures.clear();
        if (d.attempts === 0 && n === 1) {
          deferrals.readers.add(subscriberId);
          deferrals.domains.add(email.slice(email.lastIndexOf('@') + 1).toLowerCase());
          const { readers, domains } = deferrals;
          if (readers.size >= DEFERRAL_THRESHOLD && domains.size >= DEFERRAL_DOMAINS) {
            stop('SMTP_UNAVAILABLE', `the SMTP server deferred the messages of ${readers.size} readers in a row, at ${domains.size} domains, the last with: ${reply}`, sent.error);
          }
        }
      }
      // Only a failure of this message counts towards giving up on it, never the server's refusal to talk.
      if (counted && givesUp(opts.giveUp, d.openedAt, attempts, clock.now(), d.attempts, retry.attempts)) {
        opts.onEvent({ kind: 'given-up', email, attempt: n, reply, openedAt: d.openedAt });
        return { subscriberId, state: 'failed', reply, attempted: counted };
      }
      const outcome: Outcome = { subscriberId, state: 'pending', reply, attempted: counted };
      lastReply = reply;
      if (n >= retry.attempts || stopped()) {
        opts.onEvent({ kind: 'pending', email, attempt: n, reply });
        return outcome;
      }
      const waitMs = retry.backoffMs * 2 ** (n - 1);
      opts.onEvent({ kind: 'retry', email, attempt: n, reply, waitMs });
      // Pending while it waits: a crash now must not count it as possibly delivered.
      await commit.write(outcome, undefined);
      await sleep(waitMs, signal);
      if (stopped()) {
        opts.onEvent({ kind: 'pending', email, attempt: n, reply });
        return undefined;
      }
      if (!(await commit.write(undefined, { subscriberId, messageId: prepared.messageId }))) {
        opts.onEvent({ kind: 'skipped', email, attempt: n + 1, reply: 'unsubscribed during the send' });
        return undefined;
      }
    }
  };

  /** The next delivery and its message: none once the run is stopping or the list is done. */
  const take = async (): Promise<{ d: Delivery; prepared: Prepared } | undefined> => {
    if (stopped()) return undefined;
    const d = 'next' in due ? await due.next() : due[next++];
    if (!d || stopped()) return undefined;
    return { d, prepared: opts.make({ email: d.email, ...(d.name ? { name: d.name } : {}), subscriberId: d.subscriberId, consent: d.consent }) };
  };

  // Each lane writes the outcome of its last message in the same commit as the claim of its next.
  const lane = async (): Promise<void> => {
    let outcome: Outcome | undefined;
    for (;;) {
      // The next delivery may be a wait away (other senders hold the last ones): the answer to
      // this lane's last message is recorded first, or two senders could each wait for the other's.
      if (outcome && 'next' in due && !due.ready()) {
        await commit.write(outcome, undefined);
        outcome = undefined;
      }
      const current = await take();
      const taken = await commit.write(outcome, current && { subscriberId: current.d.subscriberId, messageId: current.prepared.messageId });
      outcome = undefined;
      if (!current) return;
      const { d, prepared } = current;
      if (!taken) {
        opts.onEvent({ kind: 'skipped', email: d.email, attempt: 1, reply: 'unsubscribed during the send' });
        continue;
      }
      // The stop came while the claim was committing: give the delivery back untouched.
      if (stopped()) outcome = { subscriberId: d.subscriberId, state: 'pending', reply: d.lastReply, attempted: false };
      else outcome = await attempt(d, prepared);
    }
  };

  const lanes = Math.max(1, Math.min(opts.concurrency, 'next' in due ? Infinity : due.length));
  const settled = await Promise.allSettled(
    Array.from({ length: lanes }, () =>
      lane().catch((e: unknown) => {
        // A ledger write that failed: no lane takes another message; the error is thrown once the others have recorded theirs.
        failed = true;
        throw e;
      }),
    ),
  );
  clearTimeout(graceTimer);
  signal.removeEventListener('abort', onAbort);
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return stopReason ? { halted: stopReason } : {};
}
