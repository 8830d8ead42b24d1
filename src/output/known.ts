import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { cacheKey } from '../util/cache.js';
import { sameStat, trustedStat, type FileStat } from '../util/file-stat.js';
import type { OutputFile } from './files.js';

/**
 * Output files known by their stat. A file a build wrote or found in the
 * output folder with the bytes of an identity (a build-cache key: an
 * archived page, a feed document) is recorded with its stat, once the stat
 * can stand for its bytes (util/file-stat.ts: changed at least two seconds
 * before). The next build then neither reads the cached bytes nor the file
 * to compare them when the identity and the stat are unchanged: on a
 * 10,000-article site that is the 34 MB of the archived pages, twice.
 *
 * The record is a file in the build cache's folder, one per output folder:
 * a damaged or foreign one is ignored with a notice and written again.
 */

const FORMAT = 'broadsheet-outputs 1';

type Row = [identity: string, ...stat: FileStat];

interface Stored {
  format: string;
  dir: string;
  files: Record<string, Row>;
}

export interface KnownOutputs {
  /** True when the output folder holds the bytes of `identity` at `rel`, as recorded and as its stat still shows. */
  onDisk(rel: string, identity: string): boolean;
  /** Records what this build wrote or found (`files`, those with an identity) and writes the record when it changed. Never throws. */
  save(files: readonly OutputFile[]): Promise<void>;
  readonly notices: Problem[];
}

/** The record of `outDir` in `cacheDir`; none without a cache. `root`: notices name the file relative to it. */
export function knownOutputs(cacheDir: string | undefined, outDir: string, root: string): KnownOutputs | undefined {
  if (cacheDir === undefined) return undefined;
  const dir = path.resolve(outDir);
  const file = path.join(cacheDir, `outputs-${cacheKey(dir).slice(0, 16)}.json`);
  const shown = path.relative(root, file).split(path.sep).join('/');
  const notices: Problem[] = [];
  let before: Record<string, Row> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // None yet (or unreadable, which the write reports).
  }
  if (text !== undefined) {
    try {
      const stored = JSON.parse(text) as Stored;
      if (stored?.format !== FORMAT || stored.dir !== dir || typeof stored.files !== 'object' || stored.files === null) throw new Error('foreign');
      before = stored.files;
    } catch {
      notices.push({ file: shown, message: 'is not a broadsheet build cache, or is damaged: ignored, and written again by this build' });
      text = undefined;
    }
  }
  // Date.now, not the injected clock: file times are the file system's.
  const now = Date.now();
  return {
    notices,
    onDisk(rel, identity) {
      const row = before[rel];
      if (!row || row[0] !== identity) return false;
      const stat = trustedStat(path.join(dir, rel), now);
      return stat !== null && sameStat(stat, row.slice(1) as FileStat);
    },
    async save(files) {
      const after: Record<string, Row> = {};
      for (const f of files) {
        if (f.identity === undefined) continue;
        if (f.onDisk) after[f.path] = before[f.path]!;
        else {
          // Written just now, or found equal: recorded once its stat can stand for its bytes.
          const stat = trustedStat(path.join(dir, f.path), Date.now());
          if (stat) after[f.path] = [f.identity, ...stat];
        }
      }
      const body = JSON.stringify({ format: FORMAT, dir, files: after } satisfies Stored);
      if (body === text || (text === undefined && Object.keys(after).length === 0 && notices.length === 0)) return;
      try {
        await writeFileAtomic(file, body);
      } catch (cause) {
        notices.push({ file: shown, message: `cannot be written (${(cause as Error).message}): the next build will not be faster` });
      }
    },
  };
}
