import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';

/** A temporary name beside `target`, unique to this process and call, that a rename makes the real file. */
export function tempNameFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Writes a whole file or nothing: a temporary file in the same folder, then a rename over the target. */
export async function writeFileAtomic(target: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempNameFor(target);
  try {
    await writeFile(temp, content);
    await rename(temp, target);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new BroadsheetError('OUTPUT_FAILED', `cannot write ${target}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Writes a whole new file, or nothing: like writeFileAtomic, but a hard link
 * instead of the rename, because link() refuses an existing target. Returns
 * false, writing nothing, when the target exists.
 */
export async function createFileAtomic(target: string, content: string | Uint8Array): Promise<boolean> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempNameFor(target);
  try {
    await writeFile(temp, content);
    await link(temp, target);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new BroadsheetError('OUTPUT_FAILED', `cannot write ${target}: ${(cause as Error).message}`, { cause });
  } finally {
    await rm(temp, { force: true });
  }
}
