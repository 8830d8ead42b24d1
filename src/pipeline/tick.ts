import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Environment } from '../environment.js';
import { formatProblem } from '../errors.js';
import type { Logger } from '../log.js';
import { build } from './build.js';
import { notMailed, runDigestJob, type JobResult, type NotMailed } from './digest-job.js';
import type { IssueStore } from './ports.js';
import { pingChangedFeeds } from './websub-ping.js';

export interface TickOptions {
  config: Config;
  store: IssueStore;
  clock: Clock;
  log: Logger;
  env: Environment;
  signal: AbortSignal;
}

/** Undefined when the signal came between the build and the digest, the digest is off, or there is no email section. */
export type TickResult = JobResult | undefined;

/**
 * One scheduled run: rebuild the output folder, then let the digest job
 * decide whether there is a new issue to create and send. The job itself
 * holds the ledger, so a tick cut short by a signal resumes on the next one.
 */
export async function runTick(n: number, opts: TickOptions): Promise<TickResult> {
  const { log, store } = opts;
  log.info('tick started', { tick: n });
  const report = await rebuild(n, opts);
  const pinged = await pingChangedFeeds(opts.config, report.written, { log, signal: opts.signal });
  if (pinged) log.info('hubs pinged', { tick: n, hubs: pinged.hubs, feeds: pinged.feeds, ok: pinged.ok, failed: pinged.failed });
  if (!opts.config.digest.enabled) {
    log.info('tick finished', { tick: n, digest: 'none (digest.enabled is false)' });
    return undefined;
  }
  if (!opts.config.email) {
    log.info('tick finished', { tick: n, digest: 'none (no email section in the config)' });
    return undefined;
  }
  if (opts.signal.aborted) {
    log.info('tick stopped', { tick: n, reason: 'shutting down before the digest' });
    return undefined;
  }
  const result = await runDigestJob({ config: opts.config, store, clock: opts.clock, log, signal: opts.signal, env: opts.env, site: report.site });
  switch (result.kind) {
    case 'nothing-new':
      log.info('tick finished', { tick: n, digest: 'nothing new since the last issue; nothing sent' });
      break;
    case 'sent':
      log.info('tick finished', { tick: n, digest: 'sent', issue: result.issue, accepted: result.accepted, failed: result.failed, givenUp: result.givenUp, pending: result.pending, ...notMailedFields(await notMailed(store)) });
      break;
    case 'written':
      log.info('tick finished', { tick: n, digest: 'written (no SMTP_URL)', issue: result.issue, dir: result.dir });
      break;
  }
  return result;
}

/**
 * The build of a tick, on its own: what an instance standing by (another one
 * runs the schedule on a shared store) still does at each tick, so that the
 * output folder it serves stays current.
 */
export async function rebuild(n: number, opts: TickOptions): Promise<Awaited<ReturnType<typeof build>>> {
  const report = await build(opts.config, opts.clock, opts.store);
  for (const w of report.warnings) opts.log.warn(formatProblem(w));
  opts.log.info('built', { tick: n, entries: report.site.entries.length, written: report.written.length, unchanged: report.unchanged.length, removed: report.removed.length });
  return report;
}

/** Log fields for the addresses a run did not mail: `notMailedPending=2 notMailedBounced=1`. */
function notMailedFields(n: NotMailed): Record<string, number> {
  return Object.fromEntries(Object.entries(n).map(([status, count]) => [`notMailed${status[0]!.toUpperCase()}${status.slice(1)}`, count]));
}
