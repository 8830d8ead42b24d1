import { readFileSync, statSync } from 'node:fs';
import { CLI_BUNDLE, CLI_BUNDLE_MANIFEST, type CliBundleManifest } from './util/cli-bundle.js';

/**
 * True when `dist` (the folder of the compiled modules, as a URL ending in
 * `/`) holds a bundle of them that is at least as new as every module it was
 * made from: its manifest (written last, once the bundle is whole) lists
 * them, and none may be newer. A bundle older than one of them (`tsc` run
 * again without `npm run build:ts`, `tsc --watch`, a module edited by hand)
 * must not run: the newer code does. "Not newer" rather than "older": an
 * npm install unpacks every file with the same time.
 */
export function cliBundleIsCurrent(dist: URL): boolean {
  try {
    const manifest = new URL(`${CLI_BUNDLE}/${CLI_BUNDLE_MANIFEST}`, dist);
    const made = statSync(manifest).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(manifest, 'utf8')) as Partial<CliBundleManifest>;
    return Array.isArray(inputs) && inputs.length > 0 && inputs.every((file) => typeof file === 'string' && statSync(new URL(file, dist)).mtimeMs <= made);
  } catch {
    // No bundle (rolldown could not run here, or a checkout built with plain tsc), or a module gone.
    return false;
  }
}

/** The cli.js to run from `dist`: the bundle's while it is current, else the compiled one. */
export function cliModule(dist: URL): string {
  return new URL(cliBundleIsCurrent(dist) ? `${CLI_BUNDLE}/cli.js` : 'cli.js', dist).href;
}
