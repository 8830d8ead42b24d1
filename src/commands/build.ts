import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { BroadsheetError, formatProblem } from '../errors.js';
import { changedFeedUrls, pingHubs } from '../feeds/websub.js';
import { build, checkBuild } from '../pipeline/build.js';
import type { Command } from './types.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'write the feeds and the digest into the output folder',
  usage: ['build [--config <file>] [--out <dir>] [--check]'],
  help: '  --check   write nothing; exit 1 and name the files when the output folder is not what a build would write',
  options: { check: { type: 'boolean' } },
  async run(ctx) {
    const started = performance.now();
    const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    const outShown = path.relative(process.cwd(), config.paths.output) || '.';
    if (ctx.options.check) {
      const { rendered, stale } = await checkBuild(config, ctx.clock);
      for (const w of rendered.warnings) ctx.log.warn(formatProblem(w));
      if (stale.length > 0) {
        throw new BroadsheetError('OUTPUT_STALE', `${stale.length} file(s) in ${outShown} differ from a fresh build; run broadsheet build and commit the result`, {
          problems: stale.map((file) => ({ file: `${outShown}/${file}`, message: 'out of date' })),
        });
      }
      ctx.print(`${outShown} is up to date (${rendered.files.length} files checked)`);
      return 0;
    }
    const report = await build(config, ctx.clock);
    for (const w of report.warnings) ctx.log.warn(formatProblem(w));
    const ms = Math.round(performance.now() - started);
    const articles = report.site.entries.filter((e) => e.kind === 'article').length;
    const teasers = report.site.entries.length - articles;
    ctx.print(`built ${report.site.entries.length} entries (${articles} articles, ${teasers} teasers) into ${outShown}/ in ${ms} ms`);
    for (const file of report.written) ctx.print(`  wrote     ${file}`);
    if (report.unchanged.length > 0) ctx.print(`  unchanged ${report.unchanged.length} file(s)`);
    // Only feeds whose bytes changed are announced; a failed ping is reported, never fatal.
    const feeds = changedFeedUrls(config.site.url, report.written);
    if (config.feeds.hubs.length > 0 && feeds.length > 0) {
      const pings = await pingHubs({ hubs: config.feeds.hubs, feeds, signal: ctx.signal });
      ctx.print(`  pinged    ${config.feeds.hubs.length} hub(s) for ${feeds.length} changed feed(s): ${pings.sent.length} ok, ${pings.failed.length} failed`);
      for (const f of pings.failed) ctx.log.warn('websub ping failed', { hub: f.hub, feed: f.feed, attempts: f.attempts, error: f.error });
    }
    return 0;
  },
};
