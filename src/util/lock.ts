import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BroadsheetError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { isAlive } from './process.js';

export interface Lock {
  /** The file whose SQLite lock is held. */
  file: string;
  /**
   * Why the lock is gone although nobody released it (a database lock whose
   * connection the server ended), else undefined: the holder must stop
   * acting as the holder and take it again. Absent where it cannot happen.
   */
  lost?(): Error | undefined;
  release(): Promise<void>;
}

/** How long a refused process waits for the lock before it says who holds it. */
const LOCK_WAIT_MS = 250;

interface Holder {
  pid: number;
  startedAt: string;
}

/**
 * One holder per data folder and name: one scheduler, one sender. The lock is an exclusive SQLite transaction
 * that stays open for the life of the process: the kernel drops it when the
 * process ends, however it ends, so there is no stale lock to detect and no
 * pid-reuse race. A pid file beside it only says who holds the lock.
 */
export async function acquireLock(dataDir: string, at: Date, name: string): Promise<Lock> {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, `${name}.lock`);
  const holderFile = path.join(dataDir, `${name}.pid`);
  // A short wait, not none: two processes started together both take SQLite's shared lock on the way
  // to the exclusive one, and with no wait both were refused (19 times in 40 such starts). With one,
  // SQLite makes one of them back off and the other goes on. A lock held by a running process is
  // still an answer after LOCK_WAIT_MS, not something to wait out.
  const db = new Database(file, { timeout: LOCK_WAIT_MS });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (cause) {
    db.close();
    if ((cause as { code?: string }).code !== 'SQLITE_BUSY') {
      throw new BroadsheetError('LOCKED', `cannot take the lock ${file}: ${(cause as Error).message}`, { cause });
    }
    const holder = await currentHolder(holderFile);
    const who = holder ? `pid ${holder.pid}, started ${holder.startedAt}` : 'another process';
    throw new BroadsheetError('LOCKED', `another broadsheet ${name} (${who}) is running on the data folder ${dataDir}; stop it first`, { cause });
  }
  const holder: Holder = { pid: process.pid, startedAt: at.toISOString() };
  await writeFileAtomic(holderFile, JSON.stringify(holder) + '\n');
  return {
    file,
    async release() {
      if (!db.open) return;
      rmSync(holderFile, { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/**
 * The holder writes its pid file just after taking the lock, so a refused
 * process may find no file yet, or the one a killed holder left behind; it
 * waits a little for the live holder's file before giving up on naming it.
 */
async function currentHolder(file: string): Promise<Holder | undefined> {
  for (let i = 0; i < 10; i++) {
    const holder = readHolder(file);
    if (holder && isAlive(holder.pid)) return holder;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.startedAt === 'string' ? { pid: h.pid, startedAt: h.startedAt } : undefined;
  } catch {
    return undefined;
  }
}
