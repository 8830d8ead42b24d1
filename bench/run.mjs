// `npm run bench`: every benchmark, each printing plain result lines. One that fails is reported and
// the others still run; the exit status is 1 when any failed.
import { runBuildBench } from './build.mjs';
import { runDigestBench } from './digest.mjs';
import { runHugoBench } from './hugo.mjs';
import { runListBench } from './list.mjs';
import { runMarkdownBench } from './markdown.mjs';
import { runSendBench } from './send.mjs';
import { runServerBench } from './server.mjs';
import { runWorkersBench } from './workers.mjs';

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
let failed = 0;
for (const [name, run] of [
  ['build', runBuildBench],
  ['markdown', runMarkdownBench],
  ['hugo', runHugoBench],
  ['digest', runDigestBench],
  ['send', runSendBench],
  ['workers', runWorkersBench],
  ['server', runServerBench],
  ['list', runListBench],
]) {
  try {
    await run();
  } catch (error) {
    failed++;
    console.log(`${name}: failed: ${error?.stack ?? error}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
