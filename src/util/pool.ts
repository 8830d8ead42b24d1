export interface PoolOptions {
  /** Checked before each item is taken: true stops the pool taking more (items already running finish). */
  stop?: () => boolean;
}

/**
 * Runs `work` over the items, at most `limit` at a time, and returns the
 * results in the order of the items (`undefined` for items never started
 * because `stop` said so). After a failure no new item starts; the first
 * error is thrown only once the running items have settled, so whoever
 * cleans up afterwards sees everything that was done.
 */
export async function runPool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, options: PoolOptions = {}): Promise<(R | undefined)[]> {
  const results = new Array<R | undefined>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length && !options.stop?.()) {
      const i = next++;
      try {
        results[i] = await work(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const lanes = Math.max(1, Math.min(limit, items.length));
  const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}
