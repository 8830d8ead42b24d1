// `npm run bench`: every benchmark, each printing plain result lines.
import { runBuildBench } from './build.mjs';
import { runDigestBench } from './digest.mjs';
import { runHugoBench } from './hugo.mjs';
import { runMarkdownBench } from './markdown.mjs';
import { runSendBench } from './send.mjs';
import { runServerBench } from './server.mjs';

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
runBuildBench();
runMarkdownBench();
runHugoBench();
await runDigestBench();
await runSendBench();
await runServerBench();
