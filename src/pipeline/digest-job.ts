import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import { loadSite } from '../content/load.js';
import type { Site } from '../content/model.js';
import type { DkimKey } from '../delivery/dkim.js';
import { messageMaker, type Addressee } from '../delivery/messages.js';
import type { Delivery, DeliveryCounts, RenderedIssue, StoredIssue, SubscriberStatus } from '../delivery/model.js';
import { writeOutbox } from '../delivery/outbox.js';
import type { DeliveryQueue, Outcome } from '../delivery/ledger.js';
import { leasedDeliveries } from '../delivery/leases.js';
import { DEFAULT_RETRY, deliver, type DeliverOptions, type DeliverResult, type DeliveryEvent, type RetryPolicy } from '../delivery/sender.js';
import { loadDkim, rateOptions, smtpTransport, type SmtpTuning } from '../delivery/transport.js';
import type { Environment } from '../environment.js';
import { BroadsheetError, type Problem } from '../errors.js';
import type { Logger } from '../log.js';
import { bounceClass } from '../inbound/status.js';
import { archiveEditorNote } from './editor-note.js';
import { assertLedgerComplete, writeIssueArchive } from './issue-archive.js';
import { nextIssue, renderIssue, type IssuePlan } from './next-issue.js';
import type { IssueStore } from './ports.js';

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
  /** Of the failed, how many were given up after failing temporarily for too long (email.giveUp). */
  givenUp: number;
}

export interface JobOptions {
  config: Config;
  store: IssueStore;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  env: Environment;
  dryRun?: boolean;
  /** Put before the subject of every message written (dry run) or sent (test copy): `[TEST] `. */
  subjectPrefix?: string;
  /** Start a new ledger although the output folder's issue archive records earlier issues (`send --new-ledger`). */
  newLedger?: boolean;
  /** The site as the caller's build just loaded it, so a tick reads the articles once. */
  site?: Site;
  /** Called after each delivery; when given, per-delivery log lines give way to it (failures are still logged). */
  progress?: (p: JobProgress) => void;
  /** SMTP timeouts; tests shorten them. */
  smtp?: SmtpTuning;
  retry?: RetryPolicy;
  /**
   * Senders in this process, each leasing deliveries on its own with its own
   * connections (a store shared by several senders only: PostgreSQL). 1 by default.
   */
  workers?: number;
}

/** Addresses on the list that were not mailed, by status: only `subscribed` ones are. */
export type NotMailed = Record<Exclude<SubscriberStatus, 'subscribed'>, number>;

export type JobResult =
  | { kind: 'nothing-new' }
  | { kind: 'sent'; issue: number; accepted: number; failed: number; pending: number; givenUp: number }
  | { kind: 'written'; issue: number; dir: string; messages: number };

interface Prerequisites {
  secret: string;
  dkim: DkimKey | undefined;
}

/** A site with `digest.enabled: false` has no digest: every command that would send one refuses. */
export function assertDigestEnabled(config: Config): void {
  if (config.digest.enabled) return;
  throw new BroadsheetError('DIGEST_DISABLED', `digest.enabled is false in ${config.file}: this site has no digest to send`, {
    problems: [{ file: config.file, field: 'digest.enabled', message: 'set it to true (or remove it) to send the digest' }],
  });
}

/** Everything a message needs that can be missing, checked before anything is recorded. */
async function prerequisites(config: Config, env: Environment, list: boolean): Promise<Prerequisites> {
  assertDigestEnabled(config);
  if (!config.email) {
    throw new BroadsheetError('CONFIG_INVALID', `${config.file} has no email section; sending needs at least email.from`, {
      problems: [{ file: config.file, field: 'email', message: 'is required to send the digest' }],
    });
  }
  if (list) checkListCompliance(config);
  const secret = env.BROADSHEET_SECRET;
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; it signs the unsubscribe link in every message');
  return { secret, dkim: await loadDkim(config) };
}

/**
 * What mailing the list requires of the config, checked before a real send
 * (and before a schedule that will send starts): an https site, because
 * RFC 8058 one-click unsubscribe needs an https link; and a postal address
 * for every footer (CAN-SPAM). A dry run and a test copy need neither.
 */
export function checkListCompliance(config: Config): void {
  const file = path.relative(config.paths.root, config.file) || config.file;
  const problems: Problem[] = [];
  // The unsubscribe link is an endpoint: on server.publicUrl when set (config/urls.ts).
  const at = config.server.publicUrl === undefined ? { field: 'site.url', url: config.site.url } : { field: 'server.publicUrl', url: config.server.publicUrl };
  if (new URL(publicUrls(config).unsubscribePage).protocol !== 'https:') {
    problems.push({ file, field: at.field, message: `is ${at.url}; one-click unsubscribe (RFC 8058) needs an https:// address, so the digest is not sent to the list over http` });
  }
  if (!config.site.postalAddress) {
    problems.push({ file, field: 'site.postalAddress', message: 'is required before the digest is sent to the list: the postal address every footer shows (CAN-SPAM)' });
  }
  if (problems.length > 0) throw new BroadsheetError('CONFIG_INVALID', `${file} is not ready to mail the list`, { problems });
}

/** For the run report: the addresses on the list a run does not mail, by status. */
export async function notMailed(store: Pick<IssueStore, 'statusCounts'>): Promise<NotMailed> {
  const { subscribed: _, ...rest } = await store.statusCounts();
  return rest;
}

/** Says what a new issue leaves out: nothing is dropped without a word. */
function reportPlan(plan: Extract<IssuePlan, { kind: 'new' }>, log: Logger): void {
  const { history, carriedOver } = plan.notes;
  if (history.length > 0) {
    log.info('first issue: older articles marked covered, not mailed', { issue: plan.content.number, articles: history.length, setting: 'digest.firstIssue: latest' });
  }
  if (carriedOver.length > 0) log.info('articles carried over to the next issue', { issue: plan.content.number, articles: carriedOver.length });
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
  const { config, clock, log, env, store } = opts;
  const toOutbox = opts.dryRun === true || !env.SMTP_URL;
  const pre = await prerequisites(config, env, !toOutbox);
  const site = opts.site ?? (await loadSite(config, clock));
  if (toOutbox || !env.SMTP_URL) return writeToOutbox(opts, pre, site);

  const leaseMs = config.data.leaseSeconds * 1000;
  // A worker paused past its lease (a stalled machine) answers for deliveries another worker now holds: not written, but said.
  const late = (issue: number, dropped: readonly Outcome[]) => {
    for (const o of dropped) log.warn('late answer not recorded: the delivery had gone to another worker', { issue, subscriber: o.subscriberId, state: o.state, reply: o.reply });
  };
  const queues = Array.from({ length: opts.workers ?? 1 }, (_, i) => store.sharedQueue(workerName(i), leaseMs, late));
  if (queues.every((q) => q !== undefined)) return runShared(opts, pre, site, queues);
  if ((opts.workers ?? 1) > 1) throw new BroadsheetError('USAGE', 'several workers need a store they can share: set DATABASE_URL to a PostgreSQL database (with SQLite, one sender works with email.maxConnections connections)');

  // A bad SMTP_URL fails here, before the lock is taken or anything is recorded.
  const transporter = smtpTransport(config, env.SMTP_URL, pre.dkim, opts.smtp);
  // Two senders working through one ledger would send the same pending deliveries twice.
  let lock;
  try {
    lock = await store.acquireLock('send', clock.now());
  } catch (e) {
    transporter.close();
    throw e;
  }
  try {
    await assertLedgerComplete(config, store, opts.newLedger === true);
    const plan = await nextIssue(site, store);
    if (plan.kind === 'nothing-new') {
      log.info('nothing new to send', { latestIssue: plan.latest?.number });
      return { kind: 'nothing-new' };
    }
    const issue = await issueToSend(opts, plan);
    // Its "view in browser" page exists before the first copy goes out.
    await writeIssueArchive(config, store);
    const givenUp = await sendDue(opts, pre, issue, transporter, plan.kind === 'resume');
    return await finish(opts, issue.number, givenUp);
  } finally {
    transporter.close();
    await lock.release();
  }
}

/** A name no other sender shares, now or later: host, process, lane group, and a random part (a pid is reused). */
function workerName(i: number): string {
  return `${hostname()}:${process.pid}:${i}:${randomBytes(4).toString('hex')}`;
}

/**
 * Several senders on one issue (a shared store): one of them at a time plans
 * the issue and opens its deliveries (the `plan` lock, waited for); then
 * every worker leases deliveries as its lanes need them, until none is left
 * anywhere. The ledger's rules are the single sender's: each delivery is
 * claimed (`submitted`, with its Message-ID) before its message goes, by the
 * one worker holding its lease; a dead worker's leases run out and another
 * sends its in-flight messages again, with the same Message-ID.
 */
async function runShared(opts: JobOptions, pre: Prerequisites, site: Site, queues: DeliveryQueue[]): Promise<JobResult> {
  const { config, clock, log, store, env } = opts;
  // Made first: a bad SMTP_URL fails before anything is recorded.
  const transporters = queues.map(() => smtpTransport(config, env.SMTP_URL!, pre.dkim, { ...opts.smtp, sharedRate: true }));
  try {
    const issue = await queues[0]!.exclusive('plan', async () => {
      await assertLedgerComplete(config, store, opts.newLedger === true);
      const plan = await nextIssue(site, store);
      if (plan.kind === 'nothing-new') return undefined;
      const stored = await issueToSend(opts, plan);
      // Its "view in browser" page exists before the first copy goes out.
      await writeIssueArchive(config, store);
      const opened = await store.enqueue(stored.number, clock.now());
      if (plan.kind === 'resume') log.info('issue resumed', { issue: stored.number, opened });
      return stored;
    });
    if (!issue) {
      log.info('nothing new to send', { latestIssue: (await store.latestIssue())?.number });
      return { kind: 'nothing-new' };
    }
    const open = await store.counts(issue.number);
    const send = sending(opts, pre, issue, open.pending + open.submitted);
    const email = config.email!;
    const rate = email.rateLimit > 0 ? rateOptions(email.rateLimit) : undefined;
    const runStart = clock.now();
    const leaseMs = config.data.leaseSeconds * 1000;
    const results = await Promise.allSettled(
      queues.map(async (queue, i) => {
        try {
          return await deliver({
            ...send.options,
            ledger: queue,
            due: leasedDeliveries(queue, issue.number, { batch: email.maxConnections * 4, runStart, pollMs: Math.min(1000, leaseMs / 4), signal: opts.signal }),
            transporter: transporters[i]!,
            ...(rate ? { pace: () => queue.pace({ messages: rate.rateLimit!, windowMs: rate.rateDelta! }, opts.signal) } : {}),
          });
        } finally {
          await queue.release(issue.number);
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const halted = results.map((r) => (r as PromiseFulfilledResult<DeliverResult>).value.halted).find((h) => h !== undefined);
    if (halted) await throwHalted(store, issue.number, halted);
    return await finish(opts, issue.number, send.givenUp());
  } finally {
    for (const t of transporters) t.close();
  }
}

/** What every sender of a run shares: how a message is made, what a refusal does, the policies, the report. */
function sending(opts: JobOptions, pre: Prerequisites, issue: StoredIssue, total: number) {
  const { config, clock, log } = opts;
  const email = config.email!;
  const report = reporter(issue.number, total, log, opts.progress);
  const options = {
    issue: issue.number,
    make: messageMaker(config, issue, pre.secret, clock),
    onRefused: (d: Delivery, reply: string) => recordRefusal(opts, issue.number, d, reply),
    clock,
    signal: opts.signal,
    concurrency: email.maxConnections,
    retry: opts.retry ?? DEFAULT_RETRY,
    giveUp: { afterMs: email.giveUp.afterHours * 3600_000, afterAttempts: email.giveUp.afterAttempts },
    onEvent: report.event,
  } satisfies Partial<DeliverOptions>;
  return { options, givenUp: report.givenUp };
}

/** The server stopped the run: one line that says how many deliveries are left. */
async function throwHalted(store: IssueStore, issue: number, halted: BroadsheetError): Promise<never> {
  const c = await store.counts(issue);
  throw new BroadsheetError(
    halted.code,
    `${halted.message}; issue ${issue} stopped early: ${c.accepted} accepted, ${c.failed} failed, ${c.pending + c.submitted} left for the next run (no attempt charged to those never offered)`,
    { cause: halted.cause },
  );
}

/** The outbox path: every message of the next issue written to disk; the store is only read. */
async function writeToOutbox(opts: JobOptions, pre: Prerequisites, site: Site): Promise<JobResult> {
  const { config, clock, log, store } = opts;
  await assertLedgerComplete(config, store, opts.newLedger === true);
  const plan = await nextIssue(site, store);
  if (plan.kind === 'nothing-new') {
    log.info('nothing new to send', { latestIssue: plan.latest?.number });
    return { kind: 'nothing-new' };
  }
  if (plan.kind === 'new') reportPlan(plan, log);
  const issue: RenderedIssue = plan.kind === 'resume' ? plan.issue : await renderIssue(config, plan, clock);
  // A resumed issue goes to whoever it has not reached yet.
  const done = new Set(plan.kind === 'resume' ? (await store.deliveries(issue.number)).filter((d) => d.state !== 'pending' && d.state !== 'submitted').map((d) => d.email) : []);
  const recipients: Addressee[] = (await store.listSubscribers('subscribed'))
    .filter((s) => !done.has(s.email))
    .map((s) => ({ email: s.email, ...(s.name ? { name: s.name } : {}), subscriberId: s.id, consent: s }));
  const dir = await writeOutbox(config.paths.output, issue.number, recipients, messageMaker(config, issue, pre.secret, clock, '', opts.subjectPrefix), pre.dkim);
  log.info(opts.dryRun ? 'dry run: messages written, nothing sent' : 'no SMTP_URL: messages written, nothing sent', { issue: issue.number, messages: recipients.length, dir });
  return { kind: 'written', issue: issue.number, dir, messages: recipients.length };
}

/** The stored issue to send: the one being resumed, or the next one, rendered and recorded now. */
async function issueToSend(opts: JobOptions, plan: Exclude<IssuePlan, { kind: 'nothing-new' }>): Promise<StoredIssue> {
  if (plan.kind === 'resume') return plan.issue;
  reportPlan(plan, opts.log);
  const issue = await opts.store.createIssue(await renderIssue(opts.config, plan, opts.clock));
  opts.log.info('issue created', { issue: issue.number, subject: issue.subject, entries: issue.entrySlugs.length });
  if (plan.editorNote) {
    const kept = await archiveEditorNote(opts.config, plan.editorNote, issue.number);
    opts.log.info("editor's note used, moved to the data folder", { issue: issue.number, kept });
  }
  return issue;
}

/**
 * Opens a delivery for every subscriber the issue has not reached, and sends
 * them all. Returns how many were given up; throws when the server stopped
 * the run, with one line that says how many deliveries are left.
 */
async function sendDue(opts: JobOptions, pre: Prerequisites, issue: StoredIssue, transporter: ReturnType<typeof smtpTransport>, resumed: boolean): Promise<number> {
  const { store, clock, log } = opts;
  const opened = await store.enqueue(issue.number, clock.now());
  const due = await store.dueDeliveries(issue.number);
  if (resumed) log.info('issue resumed', { issue: issue.number, due: due.length, opened, inFlightAtLastStop: due.filter((d) => d.state === 'submitted').length });
  const send = sending(opts, pre, issue, due.length);
  const { halted } = await deliver({ ...send.options, ledger: store, due, transporter });
  if (halted) await throwHalted(store, issue.number, halted);
  return send.givenUp();
}

/**
 * A 5xx at SMTP time is the receiving server's own word on the address: it
 * counts as a bounce, hard or soft by the same rule as a bounce read from
 * mail (inbound/status.ts), keyed so that a resumed run records it once.
 */
async function recordRefusal(opts: JobOptions, issue: number, d: Delivery, reply: string): Promise<void> {
  const kind = bounceClass(undefined, reply) === 'hard' ? 'hard-bounce' : 'soft-bounce';
  const outcome = await opts.store.applyReport(
    { key: `smtp:${issue}:${d.subscriberId}`, kind, subscriberId: d.subscriberId, issue, detail: `smtp; ${reply}`, at: opts.clock.now() },
    { softBounceLimit: opts.config.list.softBounceLimit },
  );
  if (outcome === 'applied') opts.log.info('subscriber bounced', { issue, to: d.email, reply });
}

/** Marks the issue sent once every delivery has a final state. */
async function finish(opts: JobOptions, issue: number, givenUp: number): Promise<JobResult> {
  const { store, clock, log, signal } = opts;
  const counts = await store.counts(issue);
  if (counts.pending + counts.submitted === 0) {
    await store.markIssueSent(issue, clock.now());
    // The archive's index lists sent issues only.
    await writeIssueArchive(opts.config, store);
    log.info('issue sent', { issue, accepted: counts.accepted, failed: counts.failed, givenUp });
  } else if (signal.aborted) {
    log.warn('stopped before the end; run send again to continue', { issue, pending: counts.pending + counts.submitted });
  }
  return { kind: 'sent', issue, ...summary(counts), givenUp };
}

/** Turns delivery events into progress updates (on a terminal) or one log line each. */
function reporter(issue: number, total: number, log: Logger, progress: JobOptions['progress']): { event: (e: DeliveryEvent) => void; givenUp: () => number } {
  const tally: JobProgress = { issue, total, done: 0, accepted: 0, failed: 0, pending: 0, skipped: 0, givenUp: 0 };
  const event = (e: DeliveryEvent) => {
    if (e.kind === 'given-up') {
      tally.done++;
      tally.failed++;
      tally.givenUp++;
    } else if (e.kind !== 'retry') {
      tally.done++;
      tally[e.kind]++;
    }
    const fields = { issue, to: e.email, attempt: e.attempt };
    if (e.kind === 'failed') log.warn('delivery failed', { ...fields, reply: e.reply });
    else if (e.kind === 'given-up') log.warn('delivery given up', { ...fields, reply: e.reply, openedAt: e.openedAt.toISOString(), reason: 'still failing temporarily after email.giveUp' });
    else if (progress) progress({ ...tally });
    else if (e.kind === 'accepted') log.info('delivery accepted', fields);
    else if (e.kind === 'retry') log.warn('delivery will be retried', { ...fields, reply: e.reply, waitMs: e.waitMs });
    else if (e.kind === 'skipped') log.info('delivery skipped', { ...fields, reason: e.reply });
    else log.warn('delivery pending', { ...fields, reply: e.reply });
  };
  return { event, givenUp: () => tally.givenUp };
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
  const pre = await prerequisites(config, env, false);
  const site = opts.site ?? (await loadSite(config, clock));
  const plan = await nextIssue(site, opts.store);
  let issue: RenderedIssue;
  if (plan.kind === 'resume') issue = plan.issue;
  else if (plan.kind === 'new') issue = await renderIssue(config, plan, clock);
  else if (plan.latest) issue = plan.latest;
  else throw new BroadsheetError('CONTENT_INVALID', `there is nothing to send: ${config.paths.content} has no published article`);
  const make = messageMaker(config, issue, pre.secret, clock, `test/${clock.now().toISOString()}`, opts.subjectPrefix);
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
