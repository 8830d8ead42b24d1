import { parentPort } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import type { DigestContent } from './content.js';
import { toPlainError } from './digest-thread.js';
import { renderDigestFilesFor } from './index.js';
import { loadMjml } from './mjml.js';

// Everything a digest needs is imported as the thread starts (MJML alone takes
// about 400 ms), while the main thread loads the content. It renders one
// digest, sends it back and ends, which frees its memory before the build's peak.
const port = parentPort!;
const ready = Promise.all([loadMjml(), import('nodemailer')]);
ready.catch(() => {}); // reported by the render below

port.once('message', async ({ config, content }: { config: Config; content: DigestContent | undefined }) => {
  try {
    if (content) await ready;
    port.postMessage({ ok: true, result: await renderDigestFilesFor(config, content) });
  } catch (error) {
    port.postMessage({ ok: false, error: toPlainError(error) });
  }
  port.close();
});
