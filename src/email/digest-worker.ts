import { parentPort } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { toPlainError } from '../errors.js';
import { renderIssueFiles } from './digest-files.js';
import type { DigestContent } from './view.js';
import { loadMjml } from './mjml.js';
import { emlWriter } from './eml.js';

// Renders one digest, sends it back and ends, which frees its memory before
// the build's peak. While the main thread loads the content, this one loads
// MJML (about 60 ms from its bundle, 400 as a package) and nodemailer: unless the request is already waiting,
// as for a small site, whose MJML output is likely cached and needs no MJML.
const port = parentPort!;
let busy = false;

port.once('message', async ({ config, content, date, readOnlyCache }: { config: Config; content: DigestContent; date: Date; readOnlyCache: boolean }) => {
  busy = true;
  try {
    port.postMessage({ ok: true, result: await renderIssueFiles(config, content, date, readOnlyCache) });
  } catch (error) {
    port.postMessage({ ok: false, error: toPlainError(error) });
  }
  port.close();
});

// After the poll phase, in which a request already sent is delivered.
setImmediate(() => {
  if (busy) return;
  // Failures surface, with their cause, when the render imports the same modules.
  loadMjml().catch(() => {});
  emlWriter().catch(() => {});
});
