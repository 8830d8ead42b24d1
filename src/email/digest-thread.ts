import { Worker } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { BroadsheetError, fromPlainError, type PlainError } from '../errors.js';
import type { DigestFiles } from './digest-files.js';
import type { DigestContent } from './view.js';

/** The digest files rendered on a second thread, started before the content is loaded. */
export interface DigestThread {
  /** Renders the issue (MJML runs here) and its digest.* files, dated `date`. */
  /** `readOnlyCache`: MJML's output is read from the build cache, never written to it (validate, build --check). */
  render(config: Config, content: DigestContent, date: Date, readOnlyCache: boolean): Promise<DigestFiles>;
  /** Ends the thread if it is still running; safe to call at any time. */
  close(): Promise<void>;
}

type Reply = { ok: true; result: DigestFiles } | { ok: false; error: PlainError };

/**
 * Starts the thread, or returns `undefined` where it cannot run (the
 * TypeScript sources under test have no compiled worker file): callers then
 * render in this thread.
 */
export function startDigestThread(): DigestThread | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const worker = new Worker(new URL('./digest-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  // Until a render is asked for, the thread must not keep the process alive.
  worker.unref();
  let failure: Error | undefined;
  let settle: { resolve(r: DigestFiles): void; reject(e: unknown): void } | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    settle?.reject(failure);
    settle = undefined;
  };
  worker.on('message', (reply: Reply) => {
    if (reply.ok) settle?.resolve(reply.result);
    else settle?.reject(fromPlainError(reply.error));
    settle = undefined;
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new BroadsheetError('INTERNAL', `the digest thread ended (exit code ${code}) without a result`)));
  return {
    render(config, content, date, readOnlyCache) {
      if (failure) return Promise.reject(failure);
      worker.ref();
      return new Promise<DigestFiles>((resolve, reject) => {
        settle = { resolve, reject };
        worker.postMessage({ config, content, date, readOnlyCache });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
