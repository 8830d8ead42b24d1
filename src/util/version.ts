import { createRequire } from 'node:module';

/**
 * broadsheet's version, from its package.json. Every module that finds a
 * file from its own place (`import.meta.url`) sits one folder below src/ or
 * dist/, as the chunks of the bundle of broadsheet's modules do in
 * dist/cli-bundle/ (scripts/bundle.mjs), so one relative path holds in all
 * three (a test checks where they sit).
 */
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
