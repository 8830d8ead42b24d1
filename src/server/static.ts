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
 * The folder is resolved again for every request, never kept: a deploy that
 * points a symbolic link at a new build (`ln -s build-2 next && mv -T next
 * output`) is served from the next request on, and each request is answered
 * from one build, never half from the old one.
 */
export class StaticFiles {
  private readonly cache = new RecentCache<string, Cached>(CACHE_BYTES, (c) => weight(c.rep));

  constructor(readonly root: string) {}

  async lookup(segments: readonly string[], trailingSlash: boolean, pathname: string): Promise<StaticResult> {
    const realRoot = await this.resolveRoot();
    if (!realRoot) return { kind: 'missing' };
    let real: string;
    try {
      real = await realpath(path.join(realRoot, ...segments));
    } catch {
      return { kind: 'missing' };
    }
    // A symbolic link inside output/ must not lead out of it.
    const inside = path.relative(realRoot, real);
    if (inside.startsWith('..') || path.isAbsolute(inside)) return { kind: 'missing' };

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
    const realRoot = await this.resolveRoot();
    return realRoot !== undefined && stat(realRoot).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** The output folder's real path now; undefined while it does not exist (before the first build, or a dangling link). */
  private resolveRoot(): Promise<string | undefined> {
    return realpath(this.root).catch(() => undefined);
  }
}
