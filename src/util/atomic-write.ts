import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';

/** A temporary name beside `target`, unique to this process and call, that a rename makes the real file. */
export function tempNameFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Writes a whole file or nothing: a temporary file in the same folder, which
 * `place` then makes the target. Errors are OUTPUT_FAILED, with the cause.
 */
async function viaTemp(target: string, content: string | Uint8Array, place: (temp: string, target: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempNameFor(target);
  try {
    await writeFile(temp, content);
    await place(temp, target);
  } catch (cause) {
    throw new BroadsheetError('OUTPUT_FAILED', `cannot write ${target}: ${(cause as Error).message}`, { cause });
  } finally {
    await rm(temp, { force: true });
  }
}

/** Writes a whole file or nothing, renamed over the target. */
export function writeFileAtomic(target: string, content: string | Uint8Array): Promise<void> {
  return viaTemp(target, content, rename);
}

/**
 * Writes a whole new file, or nothing: a hard link instead of the rename,
 * because link() refuses an existing target. False, writing nothing, when
 * the target exists.
 */
export async function createFileAtomic(target: string, content: string | Uint8Array): Promise<boolean> {
  try {
    await viaTemp(target, content, link);
    return true;
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'EEXIST') return false;
    throw error;
  }
}
