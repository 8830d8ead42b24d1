import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';
import { isAlive } from '../util/process.js';

export const SEND_LOCK_FILE = 'send.lock';

/**
 * Only one process may send at a time: two senders working through the same
 * ledger would each send the same pending deliveries. The lock is a file
 * holding the owner's pid; a lock left by a process that died (kill -9) is
 * taken over, since nothing else cleans it up.
 */
export function acquireSendLock(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SEND_LOCK_FILE);
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file, { force: true });
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new BroadsheetError('OUTPUT_FAILED', `cannot create the send lock ${file}: ${(e as Error).message}`, { cause: e });
      }
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      } catch {
        // Removed in between: try again.
      }
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new BroadsheetError('LOCKED', `another broadsheet process (pid ${owner}) is sending; wait for it to finish (lock: ${file})`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new BroadsheetError('LOCKED', `cannot take the send lock ${file}`);
}
