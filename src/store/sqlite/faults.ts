import { accessSync, constants, statfsSync } from 'node:fs';
import path from 'node:path';
import { BroadsheetError } from '../../errors.js';

/** How long a call waits for another process's write lock before it gives up (SQLite's busy timeout, waited without blocking). */
export const BUSY_WAIT_MS = 5000;

const codeOf = (e: unknown): string => String((e as { code?: unknown } | undefined)?.code ?? '');

/** SQLITE_BUSY and its extended codes: another connection holds the lock; worth trying again. */
export function isBusy(e: unknown): boolean {
  return codeOf(e).startsWith('SQLITE_BUSY');
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function diskFull(dir: string): boolean {
  try {
    return statfsSync(dir).bavail === 0;
  } catch {
    return false;
  }
}

/**
 * The known ways a database fails, each as its own error with what to do
 * about it; `undefined` for anything else (a bug, which stays INTERNAL).
 * `doing` completes "cannot …".
 */
export function databaseFault(cause: unknown, file: string, doing: string): BroadsheetError | undefined {
  if (cause instanceof BroadsheetError) return cause;
  const code = codeOf(cause);
  const dir = path.dirname(file);
  const detail = `${code ? `${code}: ` : ''}${(cause as Error)?.message ?? String(cause)}`;
  const fault = (c: 'DATABASE_BUSY' | 'DATABASE_FULL' | 'DATABASE_READ_ONLY' | 'DATABASE_CORRUPT', message: string) =>
    new BroadsheetError(c, `cannot ${doing}: ${message}`, { cause });
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return fault('DATABASE_BUSY', `another process has held ${file} locked for more than ${BUSY_WAIT_MS / 1000} s (an import, a backup, a sqlite3 shell?); nothing was changed, run the command again once it has finished`);
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || (code.startsWith('SQLITE_IOERR') && diskFull(dir))) {
    return fault('DATABASE_FULL', `the disk holding ${dir} is full (${detail}); nothing was changed, free some space and run the command again`);
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || ((code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR')) && !writable(dir))) {
    return fault('DATABASE_READ_ONLY', `${dir} cannot be written (${detail}); broadsheet keeps ${path.basename(file)} and its -wal and -shm files there: make the folder writable by this user, or point data.dir at one that is`);
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return corrupt(file, doing, detail, cause);
  }
  return undefined;
}

/** A damaged database is never repaired or replaced behind the user's back: it is named, and left as it is. */
export function corrupt(file: string, doing: string, detail: string, cause?: unknown): BroadsheetError {
  return new BroadsheetError(
    'DATABASE_CORRUPT',
    `cannot ${doing}: ${file} is damaged (${detail}); it was left as it is. Restore it from a backup (or try sqlite3 ${path.basename(file)} .recover); broadsheet will not start afresh over it`,
    cause === undefined ? {} : { cause },
  );
}
