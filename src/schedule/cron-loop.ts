import type { Logger as CronLogger } from 'node-cron';
import type { Logger } from '../log.js';
import { untilAborted } from '../util/abort.js';
import { requireBundled } from '../util/bundled.js';

export interface CronLoopOptions {
  cron: string;
  timezone: string;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT: take no new tick, let the one in flight finish. */
  signal: AbortSignal;
  /** One run of the job; it should stop early (at a checkpoint) when `signal` aborts. */
  tick: (n: number) => Promise<void>;
  /** How long to wait for the tick in flight after the signal; then give up on it. */
  graceMs: number;
}

export type CronLoopEnd = 'stopped' | 'grace-exceeded';

/**
 * Runs `tick` on the cron schedule until the signal aborts. Ticks never
 * overlap: one that falls due while the previous still runs is skipped (and
 * logged) rather than queued, so a slow send cannot pile up work.
 * node-cron keeps real time; the clock the tick gets is for the content.
 */
export async function runOnCron(opts: CronLoopOptions): Promise<CronLoopEnd> {
  const { log, signal } = opts;
  let inFlight: Promise<void> | undefined;
  let count = 0;

  const { createTask } = requireBundled<typeof import('node-cron')>('node-cron');
  const task = createTask(
    opts.cron,
    () => {
      if (signal.aborted) return;
      const n = ++count;
      if (inFlight) {
        log.warn('tick skipped', { tick: n, reason: 'the previous tick is still running' });
        return;
      }
      inFlight = opts.tick(n).finally(() => {
        inFlight = undefined;
      });
      // The scheduler only needs to know when the tick ends; its errors are the tick's to log.
      inFlight.catch(() => {});
    },
    { timezone: opts.timezone, name: 'broadsheet', logger: cronLogger(log) },
  );

  // A slot that passed while the event loop was busy (a long build) is a skipped tick too.
  task.on('execution:missed', (c) => {
    log.warn('tick skipped', { tick: ++count, due: c.date.toISOString(), reason: 'the process was busy when it fell due' });
  });
  await task.start();
  log.info('schedule started', { cron: opts.cron, timezone: opts.timezone, next: task.getNextRun()?.toISOString() });

  await untilAborted(signal);
  await task.stop();
  await task.destroy();

  const running = inFlight as Promise<void> | undefined;
  if (!running) return 'stopped';
  log.info('waiting for the tick in flight', { graceMs: opts.graceMs });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    running.then(
      () => 'stopped' as const,
      () => 'stopped' as const,
    ),
    new Promise<'grace-exceeded'>((resolve) => {
      timer = setTimeout(() => resolve('grace-exceeded'), opts.graceMs);
    }),
  ]);
  clearTimeout(timer);
  return outcome;
}

/** node-cron's own warnings (missed executions after a pause) go to our log, not the console. */
function cronLogger(log: Logger): CronLogger {
  const text = (m: string | Error) => (m instanceof Error ? m.message : m);
  return {
    info: (m) => log.info('cron', { message: text(m) }),
    warn: (m) => log.warn('cron', { message: text(m) }),
    error: (m) => log.error('cron', { message: text(m) }),
    debug: () => {},
  };
}
