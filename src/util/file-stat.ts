import { statSync } from 'node:fs';

/** Size, modification and change times, inode: a file whose four are unchanged is taken to have its bytes unchanged (Git's rule). */
export type FileStat = [size: number, mtimeMs: number, ctimeMs: number, ino: number];

/**
 * File systems keep times as coarsely as two seconds: a file changed twice
 * within that, keeping its size, would look unchanged. So a stat stands for
 * a file's bytes only when the file was last changed at least this long
 * before it was taken; a younger file is read again next time (Git does the
 * same).
 */
export const RACY_MS = 2000;

/** The file's stat when it is old enough to stand for its bytes; `now` is the file system's clock (Date.now), not the site's. */
export function trustedStat(file: string, now: number): FileStat | null {
  const s = statSync(file, { throwIfNoEntry: false });
  if (!s || now - Math.max(s.mtimeMs, s.ctimeMs) < RACY_MS) return null;
  return [s.size, s.mtimeMs, s.ctimeMs, s.ino];
}

export const sameStat = (a: FileStat, b: FileStat): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
