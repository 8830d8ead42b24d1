import path from 'node:path';
import { loadConfig, withoutCache } from '../config/load.js';
import { BroadsheetError, formatProblem } from '../errors.js';
import { build, checkBuild, type DigestPreview } from '../pipeline/build.js';
import { pingChangedFeeds } from '../pipeline/websub-ping.js';
import { withIssueHistory } from './history.js';
import type { Command } from './types.js';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Each file when there are a few; counts per folder when a large site writes hundreds. */
function printFiles(print: (line: string) => void, verb: string, files: readonly string[]): void {
  const label = `  ${verb.padEnd(9)} `;
  if (files.length <= 12) {
    for (const f of files) print(label + f);
    return;
  }
  const byFolder = new Map<string, number>();
  for (const f of files) {
    const top = f.includes('/') ? `${f.slice(0, f.indexOf('/'))}/` : f;
    byFolder.set(top, (byFolder.get(top) ?? 0) + 1);
  }
  for (const [folder, n] of byFolder) print(label + (n === 1 && !folder.endsWith('/') ? folder : `${folder} (${n} file${n === 1 ? '' : 's'})`));
}

/** What digest.* shows, in the words of the send that would follow. */
export function describePreview(p: NonNullable<DigestPreview>): string {
  if (p.kind === 'next') return `shows issue ${p.issue}, the next one broadsheet send will create`;
  if (p.kind === 'resume') return `shows issue ${p.issue}, unfinished: broadsheet send resumes it`;
  return `shows issue ${p.issue}, the latest sent: nothing new since`;
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'write the feeds and the digest into the output folder',
  usage: ['build [--config <file>] [--out <dir>] [--check] [--no-cache]'],
  help: [
    '  --check      write nothing; exit 1 and name the files when the output folder is not what a build would write',
    '  --no-cache   neither read nor write the build cache (cache.dir): the same files, computed from scratch',
  ].join('\n'),
  options: { check: { type: 'boolean' }, 'no-cache': { type: 'boolean' } },
  args: [],
  async run(ctx) {
    const started = performance.now();
    const loaded = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    const config = ctx.options['no-cache'] ? withoutCache(loaded) : loaded;
    const relative = path.relative(process.cwd(), config.paths.output);
    const outShown = relative === '' ? '.' : relative.startsWith('..') ? config.paths.output : relative;
    if (ctx.options.check) {
      const { rendered, stale } = await withIssueHistory(config, ctx, (history) => checkBuild(config, ctx.clock, history));
      for (const w of rendered.warnings) ctx.log.warn(formatProblem(w));
      if (stale.length > 0) {
        throw new BroadsheetError('OUTPUT_STALE', `${stale.length} file(s) in ${outShown} differ from a fresh build; run broadsheet build and commit the result`, {
          problems: stale.map((s) => ({ file: `${outShown}/${s.path}`, message: s.reason })),
        });
      }
      ctx.print(`${outShown} is up to date (${rendered.files.length} files checked)`);
      return 0;
    }
    const report = await withIssueHistory(config, ctx, (history) => build(config, ctx.clock, history));
    for (const w of report.warnings) ctx.log.warn(formatProblem(w));
    const ms = Math.round(performance.now() - started);
    const articles = report.site.entries.filter((e) => e.kind === 'article').length;
    const teasers = report.site.entries.length - articles;
    ctx.print(`built ${count(report.site.entries.length, 'entry', 'entries')} (${count(articles, 'article')}, ${count(teasers, 'teaser')}) into ${outShown}/ in ${ms} ms`);
    printFiles(ctx.print, 'wrote', report.written);
    printFiles(ctx.print, 'removed', report.removed);
    if (report.unchanged.length > 0) ctx.print(`  unchanged ${report.unchanged.length} file(s)`);
    if (report.digest) ctx.print(`  digest    ${describePreview(report.digest)}`);
    // Only feeds whose bytes changed are announced; a failed ping is reported, never fatal.
    const pinged = await pingChangedFeeds(config, report.written, { log: ctx.log, signal: ctx.signal });
    if (pinged) ctx.print(`  pinged    ${pinged.hubs} hub(s) for ${pinged.feeds} changed feed(s): ${pinged.ok} ok, ${pinged.failed} failed`);
    return 0;
  },
};
