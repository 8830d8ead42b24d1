import { loadConfig, type Config } from '../config/load.js';
import { untilAborted } from '../util/abort.js';
import type { ConfirmationMailer } from '../list/mailer.js';
import { startReceiver } from './inbound.js';
import { parsePort } from './options.js';
import type { Command, CommandContext } from './types.js';
import { storeUrl } from './store-url.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the output folder, the issue archive and unsubscribe links over HTTP',
  usage: ['serve [--config <file>] [--host <address>] [--port <n>] [--schedule] [--inbound]'],
  help: [
    '  --host <address>  address to listen on (default: server.host in the config, 127.0.0.1)',
    '  --port <n>        port to listen on; 0 picks a free one (default: server.port in the config, 8080)',
    '  --schedule        also run the schedule, as `broadsheet schedule` does',
    '  --inbound         also receive bounces and unsubscribe requests, as `broadsheet inbound` does (inbound.host, inbound.port)',
    '',
    'Unsubscribe, confirm and manage links need BROADSHEET_SECRET, the secret the digest was sent with;',
    'the subscribe form needs SMTP_URL as well, to send its confirmation mails.',
  ].join('\n'),
  options: { host: { type: 'string' }, port: { type: 'string' }, schedule: { type: 'boolean' }, inbound: { type: 'boolean' } },
  args: [],
  usesSecret: true,
  async run(ctx) {
    const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    const host = (ctx.options.host as string | undefined) ?? config.server.host;
    const port = parsePort(ctx.options.port as string | undefined) ?? config.server.port;
    const deps = { config, clock: ctx.clock, log: ctx.log, env: ctx.env, signal: ctx.signal };
    // Imported here: every other command starts faster without the server, the store and the scheduler.
    const [{ openStore }, { openSchedule }, { startServer }] = await Promise.all([
      import('../store/open.js'),
      import('../schedule/scheduled-job.js'),
      import('../server/server.js'),
    ]);
    // On its own thread: no request waits while the database waits for a lock or a disk sync.
    const store = await openStore(config.paths.data, { thread: true, url: storeUrl(config, ctx.env, ctx.log) });
    let mailer: ConfirmationMailer | undefined;
    try {
      // Take the lock before listening: a refused second instance should not hold the port either.
      const schedule = ctx.options.schedule ? await openSchedule({ ...deps, store }) : undefined;
      if (config.digest.enabled && !ctx.env.BROADSHEET_SECRET) ctx.log.warn('BROADSHEET_SECRET is not set: unsubscribe, confirm and manage links and the subscribe form will answer 503');
      mailer = await openMailer(ctx, config);
      const receiver = ctx.options.inbound ? await startReceiver(ctx, config, store, { host: config.inbound.host, port: config.inbound.port }) : undefined;
      const server = await startServer({ ...deps, store, secret: ctx.env.BROADSHEET_SECRET, host, port, mailer }).catch(async (error: unknown) => {
        await Promise.all([schedule?.release(), receiver?.close()]);
        throw error;
      });
      const scheduled = schedule?.run({});
      await untilAborted(ctx.signal);
      const [status] = await Promise.all([scheduled ?? Promise.resolve(0), server.close(), receiver?.close()]);
      ctx.log.info('server stopped');
      return status;
    } finally {
      await mailer?.close();
      await store.close();
    }
  },
};

/**
 * The subscribe form's confirmation mailer: it needs the email section,
 * BROADSHEET_SECRET and SMTP_URL; without them the form answers 503, and the
 * log says why at start.
 */
async function openMailer(ctx: CommandContext, config: Config): Promise<ConfirmationMailer | undefined> {
  const secret = ctx.env.BROADSHEET_SECRET;
  const smtpUrl = ctx.env.SMTP_URL;
  if (!config.email || !secret || !smtpUrl) {
    ctx.log.warn('subscriptions closed: the subscribe form answers 503', { needs: !config.email ? 'an email section in the config' : !secret ? 'BROADSHEET_SECRET' : 'SMTP_URL' });
    return undefined;
  }
  const [{ openConfirmationMailer }, { loadDkim }] = await Promise.all([import('../list/mailer.js'), import('../delivery/transport.js')]);
  return openConfirmationMailer({ config, secret, smtpUrl, dkim: await loadDkim(config), clock: ctx.clock, log: ctx.log });
}
