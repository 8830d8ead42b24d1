import { loadConfig } from '../config/load.js';
import type { Command } from './types.js';
import { storeUrl } from './store-url.js';

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'rebuild and send the next digest issue on the schedule in the config',
  usage: ['schedule [--config <file>] [--once]'],
  help: [
    '  --once   run a single tick (build, then the digest when there is something new) and exit; for system cron and CI',
    '',
    'The cron expression and time zone come from schedule.cron and schedule.timezone. One scheduler per data folder;',
    'SIGTERM or SIGINT stops it after the message in flight. Run `broadsheet serve --schedule` to serve the site as well.',
  ].join('\n'),
  options: { once: { type: 'boolean' } },
  args: [],
  usesSecret: true,
  async run(ctx) {
    const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    // Imported here so that other commands do not load the scheduler.
    const [{ openSchedule }, { openStore }] = await Promise.all([import('../schedule/scheduled-job.js'), import('../store/open.js')]);
    const store = await openStore(config.paths.data, { thread: true, url: storeUrl(config, ctx.env, ctx.log) });
    try {
      const schedule = await openSchedule({ config, store, clock: ctx.clock, log: ctx.log, env: ctx.env, signal: ctx.signal });
      return await schedule.run({ once: ctx.options.once === true });
    } finally {
      await store.close();
    }
  },
};
