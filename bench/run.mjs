// `npm run bench`: every benchmark, each printing plain result lines.
import { runBuildBench } from './build.mjs';

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
runBuildBench();
