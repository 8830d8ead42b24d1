import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BroadsheetError } from '../../src/errors.js';
import { acquireLock } from '../../src/util/lock.js';
import { CLOCK as clock, REPO, tempDir } from '../helpers/project.js';

async function lockError(dir: string): Promise<BroadsheetError> {
  const e = await acquireLock(dir, clock.now(), 'schedule').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BroadsheetError);
  return e as BroadsheetError;
}

describe('the data folder lock', () => {
  it('refuses a second holder, naming the first, until the first releases it', async () => {
    const dir = tempDir();
    const first = await acquireLock(dir, clock.now(), 'schedule');
    const refused = await lockError(dir);
    expect(refused.code).toBe('LOCKED');
    expect(refused.message).toContain(`pid ${process.pid}, started 2025-09-01T07:00:00.000Z`);
    expect(refused.message).toContain(dir);
    await first.release();
    const second = await acquireLock(dir, clock.now(), 'schedule');
    await second.release();
  });

  it('is free again once a holder is killed with SIGKILL: no stale lock to clean up', async () => {
    const dir = tempDir();
    const script = `import { acquireLock } from ${JSON.stringify(path.join(REPO, 'dist/util/lock.js'))};
await acquireLock(${JSON.stringify(dir)}, new Date(), 'schedule');
process.stdout.write('held\\n');
setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    const refused = await lockError(dir);
    expect(refused.message).toContain(`pid ${child.pid},`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const lock = await acquireLock(dir, clock.now(), 'schedule');
    await lock.release();
  });

  it('of two processes that ask at the same instant, one holds it and the other is refused', async () => {
    // Each waits for the same instant, then asks, holds what it got a moment and says which.
    const ask = (dir: string, at: number) => {
      const script = `import { acquireLock } from ${JSON.stringify(path.join(REPO, 'dist/util/lock.js'))};
while (Date.now() < ${at}) {}
try { const l = await acquireLock(${JSON.stringify(dir)}, new Date(), 'schedule'); process.stdout.write('held'); await new Promise((r) => setTimeout(r, 300)); await l.release(); }
catch (e) { process.stdout.write(e.code); }`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      return new Promise<string>((resolve) => child.once('exit', () => resolve(out)));
    };
    // Without a short wait for the lock, both were refused in about half of such starts.
    for (let trial = 0; trial < 8; trial++) {
      const dir = tempDir();
      const at = Date.now() + 400;
      expect((await Promise.all([ask(dir, at), ask(dir, at)])).sort(), `trial ${trial}`).toEqual(['LOCKED', 'held']);
    }
  }, 30_000);
});
