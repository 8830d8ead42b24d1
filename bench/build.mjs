// Build benchmark: cold `broadsheet build` of a generated 10,000-article site, rebuilds from the build cache
// (nothing changed; one article changed), and the example site.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSite } from './generate-site.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist/bin.js');
const probe = path.join(repo, 'bench/rss-probe.cjs');

/** One `broadsheet build`: wall ms, CPU ms (every thread), peak RSS in MB, what it printed. */
function timedBuild(config, out, ...flags) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', probe, cli, 'build', '--config', config, ...(out ? ['--out', out] : []), ...flags], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`build failed (${r.status}):\n${r.stderr}`);
  const kb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const cpu = Number(/BENCH_CPU_MS=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { ms, cpu, mb: kb / 1024, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (rs) => ({ ms: median(rs.map((r) => r.ms)), cpu: median(rs.map((r) => r.cpu)), mb: Math.max(...rs.map((r) => r.mb)) });
const show = (s) => `${s.ms.toFixed(0)} ms wall, ${s.cpu.toFixed(0)} ms CPU, ${s.mb.toFixed(0)} MB peak RSS`;
/** Files a build's summary says it wrote or removed: it prints a line per file, or `wrote tags/ (160 files)` per folder. */
const changedFiles = (stdout) =>
  stdout
    .split('\n')
    .filter((l) => /^\s+(wrote|removed)\s/.test(l))
    .reduce((n, l) => n + Number(/\((\d+) files?\)/.exec(l)?.[1] ?? 1), 0);

export function runBuildBench({ count = 10_000, runs = 3 } = {}) {
  const dir = path.join(os.tmpdir(), `broadsheet-bench-${count}`);
  const tg = performance.now();
  const config = generateSite(dir, count, repo);
  console.log(`generated ${count} articles in ${Math.round(performance.now() - tg)} ms (${dir})`);

  // Cold: a fresh output folder each time and no build cache, what a CI job without one pays.
  const cold = [];
  for (let i = 0; i < runs; i++) cold.push(timedBuild(config, path.join(dir, `output-${i}`), '--no-cache'));
  const c = summary(cold);
  console.log(`build ${count} articles (cold, no cache, median of ${runs}): ${show(c)}, ${changedFiles(cold[0].stdout)} files`);

  // The same site with a build cache (cache.dir), the cache empty at first.
  const cached = path.join(dir, 'broadsheet-cached.config.yaml');
  writeFileSync(cached, `${readFileSync(config, 'utf8')}\ncache:\n  dir: cache\n`);
  rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
  const out = path.join(dir, 'output-cached');
  const filling = timedBuild(cached, out);
  // Each rebuild starts two seconds after the build before it, as scheduled runs do: a file written less
  // than two seconds ago cannot be trusted by its stat (RACY_MS in src/util/file-stat.ts), so a rebuild
  // straight after the one that wrote the output folder reads those documents back to compare them
  // (0.1 to 0.3 s more on this site). The pause is not timed.
  const rebuild = () => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    return timedBuild(cached, out);
  };
  console.log(`build ${count} articles (cold, filling the cache): ${show(summary([filling]))}`);
  // Five of each: a rebuild takes about half a second, and one run in three is often a tenth off on a shared machine.
  const REBUILDS = 5;
  const still = Array.from({ length: REBUILDS }, () => rebuild());
  const s = summary(still);
  const wrote = Math.max(...still.map((r) => changedFiles(r.stdout)));
  console.log(`build ${count} articles (rebuild, nothing changed, median of ${REBUILDS}): ${show(s)}, ${wrote} files written  [target: none]`);
  // One article in the middle of the history: its archive page, its entry in the pack.
  const article = path.join(dir, 'articles', `article-${Math.floor(count / 2)}.md`);
  // Each rebuild paired with a cold build just before it (into an output folder of its own), and the
  // ratio taken per pair: on a shared machine the speed drifts by a fifth within a minute, which a
  // ratio of medians taken a minute apart would show as the rebuild's.
  const pairs = Array.from({ length: REBUILDS }, (_, i) => {
    const coldRun = timedBuild(config, path.join(dir, 'output-pair'), '--no-cache');
    appendFileSync(article, `\nAn edit, number ${i}.\n`);
    return { cold: coldRun, one: rebuild() };
  });
  const o = summary(pairs.map((p) => p.one));
  const pairRatio = (k) => median(pairs.map((p) => p.one[k] / p.cold[k]));
  console.log(
    `build ${count} articles (rebuild, one article changed, median of ${REBUILDS}): ${show(o)}; against a cold build just before each, median of the pairs: ${pairRatio('ms').toFixed(2)}x wall, ${pairRatio('cpu').toFixed(2)}x CPU  [target <= 0.2x]`,
  );

  // The same rebuild in the process of `broadsheet schedule` (or `serve`), which builds at each tick
  // without starting Node again: its own cache folder, since it runs the compiled modules, whose code
  // hash is not the bundle's. Not a target: what the scheduled job costs.
  const resident = path.join(dir, 'broadsheet-resident.config.yaml');
  writeFileSync(resident, `${readFileSync(config, 'utf8')}\ncache:\n  dir: cache-resident\n`);
  rmSync(path.join(dir, 'cache-resident'), { recursive: true, force: true });
  const r = spawnSync(process.execPath, [path.join(repo, 'bench/resident-rebuild.mjs'), resident, path.join(dir, 'output-resident'), article, '3'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`resident rebuild failed (${r.status}):\n${r.stderr}`);
  const ticks = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((t) => !t.first);
  const tk = { ms: median(ticks.map((t) => t.ms)), cpu: median(ticks.map((t) => t.cpu)) };
  console.log(
    `build ${count} articles (rebuild, one article changed, in one process as \`schedule\` runs it, median of ${ticks.length}): ${tk.ms.toFixed(0)} ms wall, ${tk.cpu.toFixed(0)} ms CPU; ${(tk.ms / c.ms).toFixed(2)}x the cold build's wall, ${(tk.cpu / c.cpu).toFixed(2)}x its CPU`,
  );

  const exampleConfig = path.join(repo, 'broadsheet.config.yaml');
  const exampleOut = path.join(os.tmpdir(), 'broadsheet-bench-example');
  // `npm start`: the example site with its cache (node_modules/.cache/broadsheet), filled by the first run.
  timedBuild(exampleConfig, exampleOut);
  const ex = summary([0, 1, 2].map(() => timedBuild(exampleConfig, exampleOut)));
  console.log(`build example site (npm start, warm cache, median of 3): ${show(ex)}  [target < 300 ms]`);
  const exCold = summary([0, 1, 2].map(() => timedBuild(exampleConfig, exampleOut, '--no-cache')));
  console.log(`build example site (no cache, median of 3): ${show(exCold)}`);
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return { cold: c, still: s, one: o, resident: tk, example: ex, exampleCold: exCold };
}

if (import.meta.url === `file://${process.argv[1]}`) runBuildBench({ count: Number(process.argv[2] ?? 10_000) });
