import { isBroadsheetError, type Problem } from '../errors.js';
import { cacheKey, CachePack, codeFingerprint, type Pack } from '../util/cache.js';

/**
 * MJML's output depends only on its input, its options and its version, and
 * importing MJML costs more than everything else a small site's build does.
 * Results are kept in the build cache (util/cache.ts, the `mjml` pack, its
 * 50 most recently used), keyed by a hash of all of them.
 */
export interface MjmlCache {
  get(mjml: string): string | undefined;
  set(mjml: string, html: string): Promise<void>;
  /** Why the cache on disk was not used or could not be written. */
  readonly notices: readonly Problem[];
}

export const MJML_CACHE_KEEP = 50;

/** The cache in `cacheDir` (config.paths.cache); none without a folder. `root`: notices name the pack relative to it; `readOnly` (validate, build --check): read, never written. */
export function mjmlCacheFor(cacheDir: string | undefined, options: unknown, root?: string, readOnly = false): MjmlCache | undefined {
  if (cacheDir === undefined) return undefined;
  const salt = `${codeFingerprint(['mjml'])}\0${JSON.stringify(options)}`;
  const key = (mjml: string) => cacheKey(salt, mjml);
  const notices: Problem[] = [];
  // Opened when first asked, and again after each write: a long-running server sees what it stored.
  let pack: Pack<null> | undefined;
  const opened = () => {
    if (!pack) {
      pack = CachePack.open<null>(cacheDir, 'mjml', { keep: MJML_CACHE_KEEP, readOnly, ...(root ? { root } : {}) })!;
      notices.push(...pack.notices);
    }
    return pack;
  };
  return {
    notices,
    get(mjml) {
      const p = opened();
      const before = p.notices.length;
      try {
        return p.get(key(mjml))?.bytes().toString('utf8');
      } catch (error) {
        // A damaged record is a miss: MJML runs, and set() stores the result again.
        if (!isBroadsheetError(error) || error.code !== 'CACHE_DAMAGED') throw error;
        notices.push(...p.notices.slice(before));
        return undefined;
      }
    },
    async set(mjml, html) {
      if (readOnly) return;
      const p = opened();
      const before = p.notices.length;
      p.put(key(mjml), null, Buffer.from(html, 'utf8'));
      p.commit();
      notices.push(...p.notices.slice(before));
      pack = undefined;
    },
  };
}
