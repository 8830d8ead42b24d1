import { Worker } from 'node:worker_threads';
import type { MjmlRender } from './mjml.js';

/** MJML running on a second thread, its import overlapping whatever the main thread does meanwhile. */
export interface MjmlThread {
  render: MjmlRender;
  /** Ends the thread; pending renders are rejected. */
  close(): Promise<void>;
}

type Reply = { id: number; html: string } | { id: number; error: { message: string; errors?: unknown[] } };

/**
 * Starts the thread, or returns `undefined` where it cannot run (the
 * TypeScript sources under test have no compiled worker file): callers then
 * render in-process.
 */
export function startMjmlThread(): MjmlThread | undefined {
  const file = new URL('./mjml-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js')) return undefined;
  const worker = new Worker(file);
  const pending = new Map<number, { resolve(r: { html: string }): void; reject(e: unknown): void }>();
  let next = 0;
  const failAll = (error: unknown) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if ('html' in reply) p.resolve({ html: reply.html });
    // The same shape as MJML's own ValidationError: `errors` carries line, message and tag.
    else p.reject(Object.assign(new Error(reply.error.message), reply.error.errors ? { errors: reply.error.errors } : {}));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the MJML thread exited with code ${code}`)));
  // Idle, the thread must not keep the process alive; a pending render does.
  worker.unref();
  return {
    render(mjml, options) {
      const id = next++;
      worker.ref();
      return new Promise<{ html: string }>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, mjml, options });
      }).finally(() => {
        if (pending.size === 0) worker.unref();
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
