import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { RecentCache } from './cache.js';
import { mediaType } from './media.js';
import { representation, weight, type Representation } from './respond.js';

export type StaticResult = { kind: 'file'; rep: Representation } | { kind: 'redirect'; location: string } | { kind: 'missing' };

interface Cached {
  key: string;
  rep: Representation;
}

/** Bytes of file content (compressed copies included) kept between requests; the rest is read again. */
const CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Files of the output folder. A file's representation (validator and
 * compressed bytes) is kept until its inode, size or mtime changes: builds
 * replace changed files by rename and leave unchanged ones alone, so that is
 * exactly when the bytes change.
 *
 * The folder's real path is kept, but never trusted: a file that resolves
 * outside it makes the folder be resolved again before the file is refused.
 * So a deploy that points a symbolic link at a new build (`ln -s build-2 next
 * && mv -T next output`) is served from the next request on, at no cost to
 * the requests in between.
 */
export class StaticFiles {
  private realRoot: string | undefined;
  private readonly cache = new RecentCache<string, Cached>(CACHE_BYTES, (c) => weight(c.rep));

  constructor(readonly root: string) {}

  async lookup(segments: readonly string[], trailingSlash: boolean, pathname: string): Promise<StaticResult> {
    let real: string;
    try {
      real = await realpath(path.join(this.root, ...segments));
    } catch {
      return { kind: 'missing' };
    }
    // A symbolic link inside output/ must not lead out of it; the folder itself may have moved since.
    if (!(await this.contains(real))) return { kind: 'missing' };

    let handle = await open(real, 'r').catch(() => undefined);
    if (!handle) return { kind: 'missing' };
    try {
      let st = await handle.stat();
      let file = real;
      if (st.isDirectory()) {
        if (!trailingSlash) return { kind: 'redirect', location: `${pathname}/` };
        await handle.close();
        file = path.join(real, 'index.html');
        handle = await open(file, 'r').catch(() => undefined);
        if (!handle) return { kind: 'missing' };
        st = await handle.stat();
      }
      if (!st.isFile()) return { kind: 'missing' };
      const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
      const hit = this.cache.get(file);
      if (hit?.key === key) return { kind: 'file', rep: hit.rep };
      const body = await handle.readFile();
      const rep = representation(body, mediaType(file, body.subarray(0, 1024)), { lastModified: st.mtime });
      this.cache.set(file, { key, rep });
      return { kind: 'file', rep };
    } finally {
      await handle?.close();
    }
  }

  /** Whether the folder (or what its link points to now) is there to serve: what /healthz reports. */
  async exists(): Promise<boolean> {
    return stat(this.root).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** Whether a real path is inside the output folder, resolving the folder again when it is not (or was never resolved). */
  private async contains(real: string): Promise<boolean> {
    const inside = (root: string | undefined) => {
      if (root === undefined) return false;
      const rel = path.relative(root, real);
      return !rel.startsWith('..') && !path.isAbsolute(rel);
    };
    if (inside(this.realRoot)) return true;
    this.realRoot = await realpath(this.root).catch(() => undefined);
    return inside(this.realRoot);
  }
}
