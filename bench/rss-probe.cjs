// Preloaded into the measured process: reports its peak resident memory and its CPU time (every thread) on exit.
process.on('exit', () => {
  const usage = process.resourceUsage();
  const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000);
  require('node:fs').writeSync(2, `\nBENCH_MAX_RSS_KB=${usage.maxRSS}\nBENCH_CPU_MS=${cpuMs}\n`);
});
