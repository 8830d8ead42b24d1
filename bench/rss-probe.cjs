// Preloaded into the measured process: reports its peak resident memory on exit.
process.on('exit', () => {
  const kb = process.resourceUsage().maxRSS;
  require('node:fs').writeSync(2, `\nBENCH_MAX_RSS_KB=${kb}\n`);
});
