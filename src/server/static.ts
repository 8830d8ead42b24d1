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
 */
export class StaticFiles {
  private realRoot: string | undefined;
  private readonly cache = new RecentCache<string, Cached>(CACHE_BYTES, (c) => weight(c.rep));

  constructor(readonly root: string) {}

  async lookup(segments: readonly string[], trailingSlash: boolean, pathname: string): Promise<StaticResult> {
    const realRoot = await this.resolveRoot();
    if (!realRoot) return { kind: 'missing' };
    let real: string;
    try {
      real = await realpath(path.join(this.root, ...segments));
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

  async exists(): Promise<boolean> {
    return stat(this.root).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** The output folder may not exist yet when the server starts before the first build. */
  private async resolveRoot(): Promise<string | undefined> {
    this.realRoot ??= await realpath(this.root).catch(() => undefined);
    return this.realRoot;
  }
}
