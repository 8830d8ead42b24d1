import { parentPort, workerData } from 'node:worker_threads';
import { toPlainError } from '../../errors.js';
import { SqliteStore } from './sqlite-store.js';
import type { Call, Ready, Reply } from './thread-store.js';

// The thread of thread-store.ts: one SqliteStore, its calls answered in the
// order they finish (a call waiting for a lock does not hold up the others).
const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };

try {
  const store = await SqliteStore.open(dataDir);
  let open = 0;
  let closing = false;
  const closeWhenIdle = async () => {
    if (!closing || open > 0) return;
    await store.close();
    port.close();
  };
  port.on('message', async (m: Call | 'close') => {
    if (m === 'close') {
      closing = true;
      return closeWhenIdle();
    }
    open++;
    let reply: Reply;
    try {
      const method = store[m.method] as (...args: unknown[]) => Promise<unknown>;
      reply = { id: m.id, ok: true, result: await method.apply(store, m.args) };
    } catch (error) {
      reply = { id: m.id, ok: false, error: toPlainError(error) };
    }
    open--;
    port.postMessage(reply);
    await closeWhenIdle();
  });
  port.postMessage({ ready: true } satisfies Ready);
} catch (error) {
  port.postMessage({ ready: false, error: toPlainError(error) } satisfies Ready);
  port.close();
}
