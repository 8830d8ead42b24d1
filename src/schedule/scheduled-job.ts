import path from 'node:path';
import { OUTBOX_DIR } from '../delivery/outbox.js';
import { BroadsheetError, formatProblem, isBroadsheetError } from '../errors.js';
import { checkListCompliance } from '../pipeline/digest-job.js';
import { rebuild, runTick, type TickOptions, type TickResult } from '../pipeline/tick.js';
import { runOnCron } from './cron-loop.js';

/**
 * How long a shutdown waits for the tick in flight. Under the 10 s that
 * `docker stop` and many supervisors allow before SIGKILL; the job honours
 * the signal, and gives the messages already on the wire DELIVERY_GRACE_MS
 * (delivery/sender.ts) before it cuts their connections, so a tick ends
 * within this grace whatever the SMTP server does.
 */
export const SHUTDOWN_GRACE_MS = 8000;

export interface ScheduleRun {
  /** Runs ticks until the signal aborts, or a single tick with `once`; resolves to the exit status. */
  run(options: { once?: boolean }): Promise<number>;
  /** Gives the lock back without running (run() does it when it ends). */
  release(): Promise<void>;
}

/**
 * Takes the data folder's lock first, so that a second instance is refused
 * before it does anything (or, with `serve --schedule`, before it listens).
 */
export async function openSchedule(opts: TickOptions): Promise<ScheduleRun> {
  const { config, env, log, signal } = opts;
  // Fail now rather than at every tick of a service nobody is watching.
  const sends = config.digest.enabled && config.email !== undefined;
  if (sends && !env.BROADSHEET_SECRET) {
    throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; it signs the unsubscribe link in every digest the schedule sends');
  }
  // A schedule that will mail the list must be allowed to, before it waits for its first tick.
  if (config.email && env.SMTP_URL) checkListCompliance(config);
  // A store several instances share (PostgreSQL): the lock decides which instance runs the ticks; the
  // others stand by and take it over when its holder ends (its connection, and the lock, go with it).
  const shared = opts.store.sharedQueue('schedule', 1000) !== undefined;
  const take = async () => {
    try {
      return await opts.store.acquireLock('schedule', opts.clock.now());
    } catch (e) {
      if (shared && isBroadsheetError(e) && e.code === 'LOCKED') return undefined;
      throw e;
    }
  };
  let lock = await take();
  if (!lock) log.info('another instance runs the schedule; this one stands by, and takes over if that one stops');
  /** Runs tick `n` when this instance holds the schedule (taking it over if it is free now), else skips it. */
  const tick = async (n: number) => {
    lock ??= await take();
    if (!lock) {
      // The digest and the hub pings are the holder's; the output folder this instance serves is its own.
      log.info('tick skipped', { tick: n, reason: 'another instance runs the schedule', note: 'this one rebuilds its output folder only' });
      await rebuild(n, opts);
      return undefined;
    }
    return runTick(n, opts);
  };
  if (!config.digest.enabled) log.info('digest.enabled is false: the schedule only rebuilds the output folder');
  else if (!config.email) log.warn('no email section in the config: the schedule only rebuilds the output folder');
  else if (!env.SMTP_URL) log.warn('SMTP_URL is not set: each new issue is written to disk instead of sent', { dir: path.join(config.paths.output, OUTBOX_DIR) });
  return {
    async run({ once }) {
      try {
        if (once) return exitStatus(await tick(1), signal);
        const end = await runOnCron({
          cron: config.schedule.cron,
          timezone: config.schedule.timezone,
          log,
          signal,
          graceMs: SHUTDOWN_GRACE_MS,
          tick: (n) => tick(n).then(undefined, (error: unknown) => logTickFailure(n, error, opts)),
        });
        if (end === 'grace-exceeded') {
          log.error('shutdown grace exceeded', { graceMs: SHUTDOWN_GRACE_MS, note: 'deliveries still in flight stay submitted; the next run resends them, at most one copy each' });
          return 1;
        }
        log.info('schedule stopped');
        return 0;
      } finally {
        await lock?.release();
      }
    },
    release: async () => lock?.release(),
  };
}

/** One tick run by `--once`: the exit status tells system cron or CI whether every delivery was accepted. */
function exitStatus(result: TickResult, signal: AbortSignal): number {
  if (signal.aborted || result?.kind !== 'sent') return 0;
  if (result.failed > 0 || result.pending > 0) {
    throw new BroadsheetError('SEND_INCOMPLETE', `issue ${result.issue}: ${result.accepted} accepted, ${result.failed} failed, ${result.pending} pending; the next run retries what is pending`);
  }
  return 0;
}

/** A failed tick does not stop the schedule: bad content today may be fixed by the next tick. */
function logTickFailure(n: number, error: unknown, opts: TickOptions): void {
  if (isBroadsheetError(error)) {
    opts.log.error('tick failed', { tick: n, code: error.code, error: error.message });
    for (const p of error.problems) opts.log.error('problem', { tick: n, problem: formatProblem(p) });
    return;
  }
  opts.log.error('tick failed', { tick: n, code: 'INTERNAL', error: (error as Error)?.stack ?? String(error) });
}
