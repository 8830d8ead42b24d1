import { Worker } from 'node:worker_threads';
import { BroadsheetError, fromPlainError, type PlainError } from '../../errors.js';
import { acquireLock } from '../../util/lock.js';
import type { Store } from '../store.js';

/** Every Store method but those this side handles itself. */
type Forwarded = Exclude<keyof Store, 'acquireLock' | 'sharedQueue' | 'close'>;

export const FORWARDED = [
  'getSubscriber',
  'subscriberById',
  'subscribedCount',
  'statusCounts',
  'addSubscribers',
  'importSubscribers',
  'listSubscribers',
  'unsubscribe',
  'requestSubscription',
  'confirmSubscription',
  'resubscribe',
  'rename',
  'applyReport',
  'issueListStats',
  'getIssue',
  'listIssues',
  'latestIssue',
  'coveredSlugs',
  'createIssue',
  'markIssueSent',
  'enqueue',
  'dueDeliveries',
  'deliveries',
  'counts',
  'record',
] as const satisfies readonly Forwarded[];

// A Store method added without being forwarded here fails to compile.
const everyMethodForwarded: [Exclude<Forwarded, (typeof FORWARDED)[number]>] extends [never] ? true : never = true;
void everyMethodForwarded;

export type Call = { id: number; method: Forwarded; args: unknown[] };
export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: PlainError };
export type Ready = { ready: true } | { ready: false; error: PlainError };

/**
 * The SQLite store on a thread of its own: the caller's event loop never
 * waits for the database, not for a lock, not for a disk sync. `serve` uses
 * it, so that a request for a feed is answered while an unsubscribe waits
 * for another process's lock or for its commit to reach the disk.
 *
 * Undefined where the thread cannot run (the TypeScript sources under test
 * have no compiled worker file); callers then use the store in this thread.
 */
export async function openThreadStore(dataDir: string): Promise<Store | undefined> {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const worker = new Worker(new URL('./store-worker.js', import.meta.url), { workerData: { dataDir } });
  const calls = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let ids = 0;
  let ended: Error | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: Ready) => (m.ready ? resolve() : reject(fromPlainError(m.error))));
    worker.once('error', reject);
  });
  worker.on('message', (m: Reply | Ready) => {
    if (!('id' in m)) return;
    const call = calls.get(m.id);
    calls.delete(m.id);
    if (m.ok) call?.resolve(m.result);
    else call?.reject(fromPlainError(m.error));
  });
  worker.on('error', (e) => (ended ??= e));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      ended ??= new BroadsheetError('INTERNAL', `the database thread ended (exit code ${code})`);
      for (const c of calls.values()) c.reject(ended);
      calls.clear();
      resolve();
    }),
  );
  await ready.catch(async (e: unknown) => {
    await exited;
    throw e;
  });

  const call = (method: Forwarded, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (ended) return reject(ended);
      const id = ++ids;
      calls.set(id, { resolve, reject });
      worker.postMessage({ id, method, args } satisfies Call);
    });
  const forwarded = Object.fromEntries(FORWARDED.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as Pick<Store, Forwarded>;
  return {
    ...forwarded,
    // The lock is a connection of its own that lives as long as its holder: it stays with the caller.
    acquireLock: (name, at) => acquireLock(dataDir, at, name),
    sharedQueue: () => undefined,
    async close() {
      if (!ended) worker.postMessage('close');
      await exited;
    },
  };
}
