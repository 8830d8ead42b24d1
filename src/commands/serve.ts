import { loadConfig } from '../config/load.js';
import { BroadsheetError } from '../errors.js';
import { untilAborted } from '../util/abort.js';
import type { Command } from './types.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the output folder, the issue archive and unsubscribe links over HTTP',
  usage: ['serve [--config <file>] [--host <address>] [--port <n>] [--schedule]'],
  help: [
    '  --host <address>  address to listen on (default: server.host in the config, 127.0.0.1)',
    '  --port <n>        port to listen on; 0 picks a free one (default: server.port in the config, 8080)',
    '  --schedule        also run the schedule, as `broadsheet schedule` does',
    '',
    'Unsubscribe links need BROADSHEET_SECRET, the secret the digest was sent with.',
  ].join('\n'),
  options: { host: { type: 'string' }, port: { type: 'string' }, schedule: { type: 'boolean' } },
  args: [],
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
    const store = await openStore(config.paths.data, { thread: true });
    try {
      // Take the lock before listening: a refused second instance should not hold the port either.
      const schedule = ctx.options.schedule ? await openSchedule({ ...deps, store }) : undefined;
      if (!ctx.env.BROADSHEET_SECRET) ctx.log.warn('BROADSHEET_SECRET is not set: unsubscribe links will answer 503');
      const server = await startServer({ ...deps, store, secret: ctx.env.BROADSHEET_SECRET, host, port }).catch(async (error: unknown) => {
        await schedule?.release();
        throw error;
      });
      const scheduled = schedule?.run({});
      await untilAborted(ctx.signal);
      const [status] = await Promise.all([scheduled ?? Promise.resolve(0), server.close()]);
      ctx.log.info('server stopped');
      return status;
    } finally {
      await store.close();
    }
  },
};

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new BroadsheetError('USAGE', `--port must be a number from 0 to 65535, not "${value}"`);
  return Number(value);
}
