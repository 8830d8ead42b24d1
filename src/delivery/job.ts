import type { Clock } from '../clock.js';
import type { Environment } from '../commands/types.js';
import type { Config } from '../config/load.js';
import { loadSite } from '../content/load.js';
import type { Site } from '../content/model.js';
import { BroadsheetError } from '../errors.js';
import { acquireLock } from '../util/lock.js';
import type { Logger } from '../log.js';
import { planIssue, renderIssue } from './issue.js';
import { messageMaker, type Addressee, type IssueForMail } from './messages.js';
import { writeOutbox } from './outbox.js';
import { DEFAULT_RETRY, deliver, type DeliveryEvent, type RetryPolicy } from './sender.js';
import { Store, type DeliveryCounts, type StoredIssue } from './store.js';
import { loadDkim, smtpTransport, type SmtpTuning } from './transport.js';

export interface JobProgress {
  issue: number;
  /** Deliveries this run set out to make. */
  total: number;
  /** Of those, how many reached an outcome in this run. */
  done: number;
  accepted: number;
  failed: number;
  pending: number;
  /** Unsubscribed while the send ran: not sent. */
  skipped: number;
}

export interface JobOptions {
  config: Config;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  env: Environment;
  dryRun?: boolean;
  /** The site as the caller's build just loaded it, so a tick reads the articles once. */
  site?: Site;
  /** Called after each delivery; when given, per-delivery log lines give way to it (failures are still logged). */
  progress?: (p: JobProgress) => void;
  /** SMTP timeouts; tests shorten them. */
  smtp?: SmtpTuning;
  retry?: RetryPolicy;
}

export type JobResult =
  | { kind: 'nothing-new' }
  | { kind: 'sent'; issue: number; accepted: number; failed: number; pending: number }
  | { kind: 'written'; issue: number; dir: string };

interface Prerequisites {
  secret: string;
  dkim: Awaited<ReturnType<typeof loadDkim>>;
}

/** Everything a message needs that can be missing, checked before anything is recorded. */
async function prerequisites(config: Config, env: Environment): Promise<Prerequisites> {
  if (!config.email) {
    throw new BroadsheetError('CONFIG_INVALID', `${config.file} has no email section; sending needs at least email.from`, {
      problems: [{ file: config.file, field: 'email', message: 'is required to send the digest' }],
    });
  }
  const secret = env.BROADSHEET_SECRET;
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; it signs the unsubscribe link in every message');
  return { secret, dkim: await loadDkim(config) };
}

/**
 * One run of the digest: the `send` command and the scheduler's tick.
 *
 * Resumes the current issue when it has deliveries still to make; otherwise
 * builds the next issue from articles published since the last one, or
 * returns `nothing-new`. Without SMTP_URL (or with dryRun) the messages are
 * written to <output>/outbox/ and nothing is recorded.
 */
export async function runDigestJob(opts: JobOptions): Promise<JobResult> {
  const { config, clock, log, signal, env } = opts;
  const pre = await prerequisites(config, env);
  const site = opts.site ?? (await loadSite(config, clock));
  const writeOnly = opts.dryRun === true || !env.SMTP_URL;
  // Two senders working through one ledger would send the same pending deliveries twice.
  const lock = writeOnly ? undefined : await acquireLock(config.paths.data, clock, 'send');
  let store: Store;
  try {
    store = Store.open(config.paths.data);
  } catch (e) {
    await lock?.release();
    throw e;
  }
  try {
    const plan = planIssue(store, site);
    if (plan.kind === 'nothing-new') {
      log.info('nothing new to send', { latestIssue: plan.latest?.number });
      return { kind: 'nothing-new' };
    }

    if (writeOnly) {
      const issue: IssueForMail = plan.kind === 'resume' ? plan.issue : await renderIssue(config, plan, clock);
      const done = new Set(
        plan.kind === 'resume' ? store.deliveries(issue.number).filter((d) => d.state !== 'pending' && d.state !== 'submitted').map((d) => d.email) : [],
      );
      const recipients: Addressee[] = store
        .listSubscribers()
        .filter((s) => s.status === 'subscribed' && !done.has(s.email))
        .map((s) => ({ email: s.email, ...(s.name ? { name: s.name } : {}) }));
      const dir = await writeOutbox(config.paths.output, issue.number, recipients, messageMaker(config, issue, pre.secret, clock), pre.dkim);
      log.info(opts.dryRun ? 'dry run: messages written, nothing sent' : 'no SMTP_URL: messages written, nothing sent', {
        issue: issue.number,
        messages: recipients.length,
        dir,
      });
      return { kind: 'written', issue: issue.number, dir };
    }

    // A bad SMTP_URL fails here, before the issue or any delivery is recorded.
    const transporter = smtpTransport(config, env.SMTP_URL!, pre.dkim, opts.smtp);
    let issue: StoredIssue;
    try {
      issue = plan.kind === 'resume' ? plan.issue : store.createIssue(await renderIssue(config, plan, clock));
      if (plan.kind === 'new') log.info('issue created', { issue: issue.number, subject: issue.subject, entries: issue.entrySlugs.length });
      const opened = store.enqueue(issue.number, clock.now());
      const due = store.dueDeliveries(issue.number);
      const inFlight = due.filter((d) => d.state === 'submitted').length;
      if (plan.kind === 'resume') log.info('issue resumed', { issue: issue.number, due: due.length, opened, inFlightAtLastStop: inFlight });
      await deliver({
        store,
        issue: issue.number,
        due,
        transporter,
        make: messageMaker(config, issue, pre.secret, clock),
        clock,
        signal,
        concurrency: config.email!.maxConnections,
        retry: opts.retry ?? DEFAULT_RETRY,
        onEvent: reporter(issue.number, due.length, log, opts.progress),
      });
    } finally {
      transporter.close();
    }

    const counts = store.counts(issue.number);
    if (counts.pending + counts.submitted === 0) {
      store.markIssueSent(issue.number, clock.now());
      log.info('issue sent', { issue: issue.number, accepted: counts.accepted, failed: counts.failed });
    } else if (signal.aborted) {
      log.warn('stopped before the end; run send again to continue', { issue: issue.number, pending: counts.pending + counts.submitted });
    }
    return { kind: 'sent', issue: issue.number, ...summary(counts) };
  } finally {
    store.close();
    await lock?.release();
  }
}

/** Turns delivery events into progress updates (on a terminal) or one log line each. */
function reporter(issue: number, total: number, log: Logger, progress: JobOptions['progress']): (e: DeliveryEvent) => void {
  const tally = { issue, total, done: 0, accepted: 0, failed: 0, pending: 0, skipped: 0 };
  return (e) => {
    if (e.kind !== 'retry') {
      tally.done++;
      tally[e.kind]++;
    }
    const fields = { issue, to: e.email, attempt: e.attempt };
    if (e.kind === 'failed') log.warn('delivery failed', { ...fields, reply: e.reply });
    else if (progress) progress({ ...tally });
    else if (e.kind === 'accepted') log.info('delivery accepted', fields);
    else if (e.kind === 'retry') log.warn('delivery will be retried', { ...fields, reply: e.reply, waitMs: e.waitMs });
    else if (e.kind === 'skipped') log.info('delivery skipped', { ...fields, reason: e.reply });
    else log.warn('delivery pending', { ...fields, reply: e.reply });
  };
}

function summary(c: DeliveryCounts): { accepted: number; failed: number; pending: number } {
  return { accepted: c.accepted, failed: c.failed, pending: c.pending + c.submitted };
}

export interface TestCopyOptions extends Omit<JobOptions, 'dryRun' | 'progress' | 'retry'> {
  to: string;
}

/**
 * Sends one copy of the current issue (the unfinished one, the next one, or
 * failing both the latest) to a single address. The ledger is not touched.
 */
export async function sendTestCopy(opts: TestCopyOptions): Promise<{ issue: number; messageId: string; reply: string }> {
  const { config, clock, env } = opts;
  if (!env.SMTP_URL) throw new BroadsheetError('SMTP_NOT_CONFIGURED', 'SMTP_URL is not set; a test copy needs an SMTP server (smtp://user:password@host:587)');
  const pre = await prerequisites(config, env);
  const site = await loadSite(config, clock);
  const store = Store.open(config.paths.data);
  let issue: IssueForMail;
  try {
    const plan = planIssue(store, site);
    if (plan.kind === 'resume') issue = plan.issue;
    else if (plan.kind === 'new') issue = await renderIssue(config, plan, clock);
    else if (plan.latest) issue = plan.latest;
    else throw new BroadsheetError('CONTENT_INVALID', `there is nothing to send: ${config.paths.content} has no published article`);
  } finally {
    store.close();
  }
  const make = messageMaker(config, issue, pre.secret, clock, `test/${clock.now().toISOString()}`);
  const { messageId, mail } = make({ email: opts.to });
  const transporter = smtpTransport(config, env.SMTP_URL, pre.dkim, opts.smtp);
  try {
    const info = await transporter.sendMail(mail);
    return { issue: issue.number, messageId, reply: String(info.response ?? '') };
  } catch (e) {
    throw new BroadsheetError('SEND_INCOMPLETE', `the test copy to ${opts.to} was not accepted: ${(e as Error).message}`, { cause: e });
  } finally {
    transporter.close();
  }
}
