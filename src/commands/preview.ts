import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig, resolveConfig } from '../config/load.js';
import type { Subscriber } from '../delivery/model.js';
import { createConfirmToken, createToken, createUnsubscribeToken } from '../delivery/tokens.js';
import { templatesDir } from '../email/templates-dir.js';
import { BroadsheetError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { ServerStore } from '../server/ports.js';
import { untilAborted } from '../util/abort.js';
import { editorNoteFile } from '../pipeline/editor-note.js';
import type { Command } from './types.js';
import { storeUrl } from './store-url.js';

/** The sample reader as a subscriber who confirmed through the form a week ago. */
function sampleSubscriber(now: Date): Subscriber {
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  return { id: 0, email: 'sample.reader@example.org', name: 'Sample Reader', status: 'subscribed', subscribedAt: weekAgo, joinedAt: weekAgo, joinedVia: 'form', confirmedAt: weekAgo };
}

export const previewCommand: Command = {
  name: 'preview',
  summary: 'a local page with the next issue as send will mail it, the feeds and the reader pages, reloaded on every change',
  usage: ['preview [--port <n>]'],
  help: [
    '  --port <n>   port on 127.0.0.1 (default: a free one, printed)',
    '',
    'Watches the articles, the email templates, the config and the editor\'s note, and reloads the open',
    'page after every saved change. Errors show in the page with their file and line. Nothing is sent',
    'and the store is only read; the preview\'s files go to <data>/preview/.',
  ].join('\n'),
  options: { port: { type: 'string' } },
  args: [],
  usesSecret: true,
  async run(ctx) {
    const rawPort = ctx.options.port as string | undefined;
    if (rawPort !== undefined && (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535)) throw new BroadsheetError('USAGE', `--port must be a number from 0 to 65535, not "${rawPort}"`);
    const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    const outDir = path.join(config.paths.data, 'preview');
    const [{ openExistingStore }, { startServer }, { renderPreview, SAMPLE_READER }, { startPreviewServer }] = await Promise.all([
      import('../store/open.js'),
      import('../server/server.js'),
      import('../preview/render.js'),
      import('../preview/server.js'),
    ]);
    const history = await openExistingStore(config.paths.data, { url: storeUrl(config, ctx.env, ctx.log) });
    // Without the real secret the preview signs its links with one of its own: they work against it only.
    const secret = ctx.env.BROADSHEET_SECRET ?? randomBytes(32).toString('base64');
    // The reader pages and the feeds come from the real server, over the preview's output; it changes nothing.
    const readOnly: ServerStore = {
      unsubscribe: async () => false,
      getIssue: async (n) => history?.getIssue(n),
      listIssues: async () => (await history?.listIssues()) ?? [],
      latestIssue: async () => history?.latestIssue(),
      // The sample reader is subscribed, so the manage page shows what a real one sees.
      getSubscriber: async (email) => (email === SAMPLE_READER.email ? sampleSubscriber(ctx.clock.now()) : history?.getSubscriber(email)),
      requestSubscription: async () => ({ outcome: 'kept', id: 0 }),
      confirmSubscription: async () => 'not-pending',
      resubscribe: async () => false,
      rename: async () => false,
    };
    const siteServer = await startServer({ config: resolveConfig(config, config.file, { outDir }), clock: ctx.clock, log: silentLogger, store: readOnly, secret, host: '127.0.0.1', port: 0 });
    let preview;
    try {
      preview = await startPreviewServer({
        host: '127.0.0.1',
        port: rawPort === undefined ? 0 : Number(rawPort),
        log: ctx.log,
        links: {
          site: siteServer.url,
          pages: [
            { label: 'Unsubscribe', path: `unsubscribe/${createUnsubscribeToken(secret, SAMPLE_READER.email)}` },
            { label: 'Unsubscribe (no link)', path: 'unsubscribe/' },
            { label: 'Subscribe', path: 'subscribe/' },
            { label: 'Confirm', path: `confirm/${createConfirmToken(secret, SAMPLE_READER.email, ctx.clock.now())}` },
            { label: 'Manage', path: `manage/${createToken('manage', secret, SAMPLE_READER.email)}` },
            { label: 'Past issues', path: 'issues/' },
          ],
        },
        rebuild: (version) => renderPreview({ configFile: ctx.configFile, outDir, clock: ctx.clock, history, secret, version }),
        watchDirs: [config.paths.content, templatesDir(config)],
        watchFiles: [config.file, editorNoteFile(config)],
      });
    } catch (error) {
      await siteServer.close();
      await history?.close();
      throw error;
    }
    ctx.print(`preview: ${preview.url}`);
    ctx.log.info('preview started', { url: preview.url, site: siteServer.url });
    await untilAborted(ctx.signal);
    await preview.close();
    await siteServer.close();
    await history?.close();
    return 0;
  },
};
