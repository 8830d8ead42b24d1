import { loadConfig, withoutCache } from '../config/load.js';
import { unservedLinkWarnings } from '../config/urls.js';
import { formatProblem } from '../errors.js';
import { renderAll } from '../pipeline/build.js';
import { describePreview } from './build.js';
import { withIssueHistory } from './history.js';
import type { Command } from './types.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check the config, the articles and the email templates; write nothing',
  usage: ['validate [--config <file>] [--no-cache]'],
  help: '  --no-cache   do not read the build cache (cache.dir); validate never writes it',
  options: { 'no-cache': { type: 'boolean' } },
  args: [],
  async run(ctx) {
    const loaded = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    const config = ctx.options['no-cache'] ? withoutCache(loaded) : loaded;
    // Rendering everything in memory is the only complete check: templates and
    // feeds fail on content that the schema alone would accept.
    const rendered = await withIssueHistory(config, ctx, (history) => renderAll(config, ctx.clock, history));
    for (const w of [...rendered.warnings, ...unservedLinkWarnings(config)]) ctx.log.warn(formatProblem(w));
    ctx.print(`ok: ${rendered.site.entries.length} entries, ${rendered.files.length} output files would be written`);
    if (rendered.digest) ctx.print(`digest: ${describePreview(rendered.digest)}`);
    return 0;
  },
};
