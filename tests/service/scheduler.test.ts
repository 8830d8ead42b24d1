import { describe, expect, it, vi } from 'vitest';
import { runOnCron } from '../../src/schedule/cron-loop.js';
import { memoryLogger } from '../helpers/delivery.js';

const until = (cond: () => boolean) => vi.waitFor(() => expect(cond()).toBe(true), { timeout: 10_000, interval: 20 });

describe('runOnCron', () => {
  it('skips (and logs) a tick that falls due while the previous one runs, then stops on the signal', async () => {
    const log = memoryLogger();
    const { events } = log;
    const controller = new AbortController();
    const started: number[] = [];
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const run = runOnCron({
      cron: '*/1 * * * * *',
      timezone: 'UTC',
      log,
      signal: controller.signal,
      graceMs: 5000,
      tick: async (n) => {
        started.push(n);
        maxActive = Math.max(maxActive, ++active);
        if (n === 1) await blocked;
        active--;
      },
    });
    const overlapped = () => events.filter((e) => e.event === 'tick skipped' && e.reason === 'the previous tick is still running');
    await until(() => overlapped().length > 0);
    release();
    await until(() => started.length >= 2);
    controller.abort();
    expect(await run).toBe('stopped');

    // Ticks that fell due while tick 1 ran were skipped, not queued: none of them ever ran, and no two ran at once.
    expect(overlapped()[0]).toMatchObject({ level: 'warn', tick: expect.any(Number) });
    expect(started[0]).toBe(1);
    for (const e of overlapped()) expect(started).not.toContain(e.tick);
    expect(maxActive).toBe(1);
    expect(events.find((e) => e.event === 'schedule started')).toMatchObject({ cron: '*/1 * * * * *', timezone: 'UTC' });
    const ticksAfterStop = started.length;
    await new Promise((r) => setTimeout(r, 1100));
    expect(started.length).toBe(ticksAfterStop);
  });

  it('waits for the tick in flight after the signal, and gives up after the grace period', async () => {
    const log = memoryLogger();
    const finishes = new AbortController();
    let ticks = 0;
    let finished = false;
    const run = runOnCron({
      cron: '*/1 * * * * *',
      timezone: 'Europe/London',
      log,
      signal: finishes.signal,
      graceMs: 300,
      tick: async () => {
        ticks++;
        await new Promise((r) => setTimeout(r, 2000));
        finished = true;
      },
    });
    await until(() => ticks > 0);
    finishes.abort();
    expect(await run).toBe('grace-exceeded');
    expect(finished).toBe(false);
  });
});
