import { spawn } from 'node:child_process';
import { REPO } from './project.js';

export interface WriteLock {
  pid: number;
  /** Ends the holder's transaction (nothing written) and waits for it to exit. */
  release(): Promise<void>;
}

/**
 * A second process that holds the SQLite write lock of `file` (BEGIN
 * IMMEDIATE, as an import or a `sqlite3 .backup` into it would) until
 * released. Readers go on; every writer gets SQLITE_BUSY.
 */
export async function holdWriteLock(file: string): Promise<WriteLock> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code} before taking the lock`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    async release() {
      child.stdin!.end('release\n');
      await exited;
    },
  };
}
