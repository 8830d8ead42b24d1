/**
 * Where the bundle of broadsheet's own modules lives (scripts/bundle.mjs),
 * and what its manifest holds: named once for the script that makes it, the
 * launcher that chooses it (launch.ts) and the build cache that takes its
 * code hash (util/cache.ts). Imports nothing, so the launcher stays light.
 */

/** The bundle's folder, under dist/: one folder down, where every module that finds a file from its own place sits. */
export const CLI_BUNDLE = 'cli-bundle';
/** Written last, once the bundle is whole. */
export const CLI_BUNDLE_MANIFEST = 'manifest.json';

export interface CliBundleManifest {
  /** `codeFolderHash` (util/cache.ts) of the bundle's folder. */
  codeHash: string;
  /** The compiled modules it was made from, relative to dist/ with `/`: the launcher runs it only while none is newer. */
  inputs: string[];
}
