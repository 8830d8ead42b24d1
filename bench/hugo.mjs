// Broadsheet against Hugo on the same generated Markdown, when `hugo` is on the PATH (Debian: apt-get install hugo).
//
// Each run is a cold build into a fresh output folder, timed by /usr/bin/time -v (GNU time, Debian's `time`
// package): wall time, CPU time (user + system, every thread) and peak RSS. The two tools alternate
// (broadsheet, Hugo, broadsheet, Hugo …) so that a change in the machine's load hits both; the ratios are the
// median of the per-pair ratios. Hugo builds its home RSS feed and one RSS feed per tag, with Hugo's own RSS
// template and the same item limit as broadsheet's feeds (20), and renders no HTML pages; broadsheet does its
// whole build (RSS, Atom, JSON Feed, tag feeds in every format, the archive, the digest). A third command,
// interleaved with them, reads every article and renders its body with broadsheet's Markdown stage and does
// nothing else (bench/markdown.mjs's child for `broadsheet`): how much of the gap to Hugo that stage alone
// takes, in a fresh process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSite } from './generate-site.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist/bin.js');
const markdownBench = path.join(repo, 'bench/markdown.mjs');
const TIME = '/usr/bin/time';

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** Runs a command under GNU time -v; its wall and CPU seconds and peak RSS in MB. */
function timed(cmd, args) {
  const r = spawnSync(TIME, ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  const field = (name) => {
    const m = new RegExp(`^\\s*${name}: (.+)$`, 'm').exec(r.stderr);
    if (!m) throw new Error(`no "${name}" in the output of ${TIME} -v`);
    return m[1].trim();
  };
  // "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23"
  const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)').split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  const cpu = Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)'));
  const mb = Number(field('Maximum resident set size \\(kbytes\\)')) / 1024;
  return { wall, cpu, mb };
}

/** A Hugo project over the generated articles: home and per-tag RSS only, no HTML pages. */
export function hugoProject(siteDir) {
  const dir = path.join(siteDir, 'hugo');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'hugo.toml'),
    [
      'baseURL = "https://news.example.com/"',
      'title = "The Broadsheet"',
      'languageCode = "en"',
      // "taxonomy" means the list of all tags since Hugo 0.73; the per-tag feeds are the "term" kind, kept.
      'ignoreErrors = ["error-disable-taxonomy"]',
      `contentDir = ${JSON.stringify(path.join(siteDir, 'articles'))}`,
      'disableKinds = ["section", "taxonomy", "sitemap", "robotsTXT", "404"]',
      '[taxonomies]',
      '  tag = "tags"',
      '[outputs]',
      '  home = ["RSS"]',
      '  term = ["RSS"]',
      '  page = []',
      '[services.rss]',
      '  limit = 20',
      // Articles are listed in the feeds but get no page of their own.
      '[[cascade]]',
      '  [cascade._build]',
      '    render = "never"',
      '    list = "always"',
      '  [cascade._target]',
      '    kind = "page"',
      '',
    ].join('\n'),
  );
  return dir;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function runHugoBench({ counts = [1_000, 10_000], runs = 5 } = {}) {
  if (!onPath('hugo')) {
    console.log('hugo comparison: skipped (hugo is not on the PATH; apt-get install hugo)');
    return undefined;
  }
  if (!existsSync(TIME)) {
    console.log(`hugo comparison: skipped (${TIME} is missing; apt-get install time)`);
    return undefined;
  }
  const version = spawnSync('hugo', ['version'], { encoding: 'utf8' }).stdout.trim().split(' ').slice(0, 2).join(' ');
  const results = [];
  for (const count of counts) {
    const siteDir = path.join(os.tmpdir(), `broadsheet-bench-${count}`);
    const config = generateSite(siteDir, count, repo);
    const hugoDir = hugoProject(siteDir);
    const ours = [];
    const theirs = [];
    const floors = [];
    // One untimed run of each warms the page cache.
    for (let i = -1; i < runs; i++) {
      const out = path.join(siteDir, 'bench-out');
      const hugoOut = path.join(siteDir, 'hugo-out');
      rmSync(out, { recursive: true, force: true });
      rmSync(hugoOut, { recursive: true, force: true });
      const a = timed(process.execPath, [cli, 'build', '--config', config, '--out', out]);
      const b = timed('hugo', ['--source', hugoDir, '--destination', hugoOut, '--quiet']);
      const f = timed(process.execPath, [markdownBench, '--child', 'broadsheet', siteDir]);
      if (i >= 0) {
        ours.push(a);
        theirs.push(b);
        floors.push(f);
      }
    }
    const items = readFileSync(path.join(siteDir, 'hugo-out', 'index.xml'), 'utf8').match(/<item>/g)?.length ?? 0;
    if (items !== 20) throw new Error(`Hugo's home feed has ${items} items, not 20: the comparison would be unfair`);
    const m = (xs, k) => median(xs.map((x) => x[k]));
    const ratio = (k, xs = ours) => median(xs.map((x, i) => x[k] / theirs[i][k]));
    const row = (name, xs) => `${name}: ${m(xs, 'wall').toFixed(2)} s wall, ${m(xs, 'cpu').toFixed(2)} s CPU, ${m(xs, 'mb').toFixed(0)} MB peak`;
    console.log(`hugo comparison, ${count} articles (cold builds, median of ${runs}, interleaved; ${version}):`);
    console.log(`  ${row('broadsheet', ours)}`);
    console.log(`  ${row('hugo (home + tag RSS)', theirs)}`);
    console.log(`  broadsheet / hugo: ${ratio('wall').toFixed(2)}x wall, ${ratio('cpu').toFixed(2)}x CPU, ${ratio('mb').toFixed(2)}x peak memory`);
    console.log(`  ${row('the Markdown stage alone (no front matter, feeds or digest)', floors)}`);
    console.log(`  Markdown stage alone / hugo: ${ratio('wall', floors).toFixed(2)}x wall, ${ratio('cpu', floors).toFixed(2)}x CPU`);
    results.push({ count, ours, theirs, floors });
  }
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const counts = process.argv.slice(2).map(Number).filter(Boolean);
  runHugoBench(counts.length ? { counts } : {});
}
