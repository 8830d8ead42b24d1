import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { BroadsheetError } from '../errors.js';

/**
 * A dependency bundled into one file at build time (`scripts/bundle.mjs`,
 * run by `npm run build:ts`), with V8's code cache for it.
 *
 * Why: most of what a small build costs is Node loading modules, not
 * building. MJML alone is 645 CommonJS files: resolving, reading and
 * compiling them took 300 ms of a digest's 360 ms. One file, whose unused
 * parts (fetching URLs, minifying, beautifying) are left out, with its
 * bytecode cached, loads in about 60 ms. docs/performance.md has the figures.
 */
export interface Bundled<T> {
  exports: T;
  /** V8 accepted the code cache (false where it was made by another Node or V8, or is missing): the bundle still works, only slower to load. */
  cacheAccepted: boolean;
  /** The cache V8 can make now, holding what has run so far (the build script writes it). */
  createCache(): Buffer;
}

/** Where bundles live: dist/bundled/, beside the compiled code (under the TypeScript sources there is none). */
export function bundleDir(): string {
  return fileURLToPath(new URL('../bundled/', import.meta.url));
}

export const bundleFile = (name: string, dir = bundleDir()) => path.join(dir, `${name}.cjs`);
export const codeCacheFile = (name: string, dir = bundleDir()) => `${bundleFile(name, dir)}.v8`;
export const versionsFile = (name: string, dir = bundleDir()) => path.join(dir, `${name}.versions.json`);

/**
 * `name@version` of every package bundle `name` holds code of (written with
 * it), or `undefined` when there is no bundle. The build cache keys what a
 * bundled library computed by these, not by what node_modules holds now: a
 * package upgraded without `npm run build:ts` still runs the bundle's code,
 * and its records must not pass for the new version's.
 */
export function bundledVersions(name: string, dir = bundleDir()): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(versionsFile(name, dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as string[];
}

const requireFromNodeModules = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/**
 * Package `name` from its bundle, or from node_modules where there is none:
 * the same exports as `require(name)`, loaded once per thread.
 */
export function requireBundled<T>(name: string): T {
  if (!loaded.has(name)) loaded.set(name, loadBundled<T>(name)?.exports ?? requireFromNodeModules(name));
  return loaded.get(name) as T;
}

/**
 * Loads bundle `name` (each call runs it anew: use requireBundled), or returns `undefined` when there is none (running
 * the TypeScript sources, or a checkout built with plain `tsc`): the caller
 * then imports the package as usual. The bundle runs as a CommonJS module
 * would, with its own `require` for Node's built-in modules.
 */
export function loadBundled<T>(name: string, dir = bundleDir()): Bundled<T> | undefined {
  const file = bundleFile(name, dir);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCacheFile(name, dir));
  } catch {
    // No cache: V8 compiles the bundle as it runs.
  }
  let script: vm.Script;
  const module = { exports: {} as T };
  try {
    script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
    wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  } catch (cause) {
    // A bundle cut short (a disk filled while building) or edited by hand: the install, not the site, is at fault.
    throw new BroadsheetError('INTERNAL', `${file} cannot be loaded (${(cause as Error).message}): broadsheet's install is damaged; run npm run build:ts in a checkout, or reinstall broadsheet`, { cause });
  }
  return {
    exports: module.exports,
    cacheAccepted: cachedData !== undefined && script.cachedDataRejected !== true,
    createCache: () => script.createCachedData(),
  };
}
