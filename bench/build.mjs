// Build benchmark: cold `broadsheet build` of a generated 10,000-article site, and of the example site.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSite } from './generate-site.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist/cli.js');
const probe = path.join(repo, 'bench/rss-probe.cjs');

function timedBuild(config, out) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', probe, cli, 'build', '--config', config, ...(out ? ['--out', out] : [])], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`build failed (${r.status}):\n${r.stderr}`);
  const kb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { ms, mb: kb / 1024, stdout: r.stdout };
}

export function runBuildBench({ count = 10_000, runs = 3 } = {}) {
  const dir = path.join(os.tmpdir(), `broadsheet-bench-${count}`);
  const tg = performance.now();
  const config = generateSite(dir, count, repo);
  console.log(`generated ${count} articles in ${Math.round(performance.now() - tg)} ms (${dir})`);

  const results = [];
  for (let i = 0; i < runs; i++) {
    // A fresh output folder each time: the cold build is what a CI job pays.
    const out = path.join(dir, `output-${i}`);
    results.push(timedBuild(config, out));
  }
  const warm = timedBuild(config, path.join(dir, 'output-0'));
  const best = results.reduce((a, b) => (a.ms < b.ms ? a : b));
  // The summary prints a line per file, or `wrote tags/ (160 files)` per folder for large sites.
  const files = best.stdout
    .split('\n')
    .filter((l) => /^\s+wrote\s/.test(l))
    .reduce((n, l) => n + Number(/\((\d+) files?\)/.exec(l)?.[1] ?? 1), 0);
  console.log(`build ${count} articles (cold, best of ${runs}): ${best.ms.toFixed(0)} ms wall, ${Math.max(...results.map((r) => r.mb)).toFixed(0)} MB peak RSS, ${files} files  [target < 2000 ms, < 300 MB]`);
  console.log(`build ${count} articles (rebuild, nothing changed): ${warm.ms.toFixed(0)} ms wall, ${warm.mb.toFixed(0)} MB peak RSS`);

  const example = [0, 1, 2].map(() => timedBuild(path.join(repo, 'broadsheet.config.yaml'), path.join(os.tmpdir(), 'broadsheet-bench-example')));
  const ex = example.reduce((a, b) => (a.ms < b.ms ? a : b));
  console.log(`build example site (npm start): ${ex.ms.toFixed(0)} ms wall, ${ex.mb.toFixed(0)} MB peak RSS  [target < 1000 ms]`);
  return { best, warm, example: ex };
}

if (import.meta.url === `file://${process.argv[1]}`) runBuildBench({ count: Number(process.argv[2] ?? 10_000) });
