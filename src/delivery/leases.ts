import { sleep } from '../util/sleep.js';
import type { DeliveryQueue } from './ledger.js';
import type { Delivery } from './model.js';
import type { DueSource } from './sender.js';

export interface LeaseOptions {
  /** Deliveries leased per round trip: enough to keep every lane busy, few enough that a dead sender strands little (their lease only delays them). */
  batch: number;
  /** Deliveries answered temporarily since then wait for the next run. */
  runStart: Date;
  /** While other live senders hold the last deliveries: how often to look whether one of them died. */
  pollMs: number;
  signal: AbortSignal;
}

/**
 * The due deliveries of an issue as one sender of several takes them: leased
 * in batches, as its lanes need them. When none is free but other senders
 * still hold some, it waits and looks again, so that the deliveries of a
 * sender that dies are taken over once its lease runs out; it ends when no
 * due delivery is left anywhere (or the run stops).
 */
export function leasedDeliveries(queue: DeliveryQueue, issue: number, opts: LeaseOptions): DueSource {
  const buffer: Delivery[] = [];
  let done = false;
  let fetching: Promise<void> | undefined;
  const fetch = async () => {
    const { leased, heldElsewhere } = await queue.lease(issue, opts.batch, opts.runStart);
    if (leased.length > 0) buffer.push(...leased);
    else if (heldElsewhere === 0) done = true;
    else await sleep(opts.pollMs, opts.signal);
  };
  return {
    ready: () => buffer.length > 0,
    async next() {
      for (;;) {
        if (buffer.length > 0) return buffer.shift();
        if (done || opts.signal.aborted) return undefined;
        // The lanes share one lease request at a time.
        fetching ??= fetch().finally(() => (fetching = undefined));
        await fetching;
      }
    },
  };
}
