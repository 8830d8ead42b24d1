// One-article rebuilds in one process, as `broadsheet schedule` and `serve` run them at each tick
// (pipeline/tick.ts): the modules are loaded and the JIT warm from the builds before. Run by
// bench/build.mjs: node bench/resident-rebuild.mjs <config> <out> <article> <runs>; prints one JSON
// line per build, the first (which loads everything) marked `first`.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const { loadConfig } = await import(path.join(dist, 'config/load.js'));
const { build } = await import(path.join(dist, 'pipeline/build.js'));
const { systemClock } = await import(path.join(dist, 'clock.js'));

const [configFile, out, article, runs] = process.argv.slice(2);
const config = await loadConfig(configFile, { outDir: out });
for (let i = 0; i <= Number(runs); i++) {
  if (i > 0) appendFileSync(article, `\nA resident edit, number ${i}.\n`);
  // As between scheduled runs: a file younger than two seconds is not known by its stat (util/file-stat.ts).
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await build(config, systemClock);
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ first: i === 0, ms: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000, written: report.written.length }));
}
