import { parentPort } from 'node:worker_threads';

// Imports MJML as soon as the thread starts, while the main thread loads the
// content, then renders what it is sent. Errors go back as plain data: the
// main thread maps them to template files and lines (see mjml.ts).
const port = parentPort!;
const mjml = import('mjml').then((m) => m.default);

port.on('message', async ({ id, mjml: source, options }: { id: number; mjml: string; options: object }) => {
  try {
    const { html } = await (await mjml)(source, options);
    port.postMessage({ id, html });
  } catch (cause) {
    const { message, errors } = cause as { message?: string; errors?: unknown };
    port.postMessage({ id, error: { message: String(message), errors: Array.isArray(errors) ? errors.map((e) => ({ ...e })) : undefined } });
  }
});
