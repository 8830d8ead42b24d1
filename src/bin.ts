#!/usr/bin/env node
// What the `broadsheet` command runs (package.json `bin`, `npm start`): cli.ts, from the bundle of
// broadsheet's modules in dist/cli-bundle/ (scripts/bundle.mjs) while it is current (launch.ts), else
// from the compiled modules. One bundle loads faster than the ninety-odd ES modules a command imports
// before it runs: `broadsheet --version` in 0.82x the time, the example site's warm build in 0.81x
// (docs/performance.md). Reads no argument and no environment variable: cli.ts does, whichever copy runs.
import { cliModule } from './launch.js';

await import(cliModule(new URL('./', import.meta.url)));
