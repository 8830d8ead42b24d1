import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/store/sqlite/sqlite-store.js';
import { openStore } from '../../src/store/open.js';
import { REPO } from '../helpers/project.js';
import { storeConformance } from './conformance.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

storeConformance('SQLite', async () => openStore(path.join(await freshDir(), 'data')));

// The same store on its own thread, as serve, send and schedule open it: the thread runs the
// compiled worker, so this runs against dist/ (npm test builds it first).
const compiled = (await import(pathToFileURL(path.join(REPO, 'dist/store/open.js')).href)) as typeof import('../../src/store/open.js');
storeConformance('SQLite on its own thread', async () => compiled.openStore(path.join(await freshDir(), 'data'), { thread: true }));

describe('SQLite store', () => {
  it('uses WAL, and the schema itself refuses a second row for one address', async () => {
    const data = path.join(await freshDir(), 'data');
    const store = await openStore(data);
    await store.addSubscribers([{ email: 'ann@example.org' }], new Date('2025-01-01T00:00:00Z'), { resubscribe: false });
    await store.close();
    const raw = new Database(path.join(data, DATABASE_FILE), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(() => raw.prepare("INSERT INTO subscribers (email, status, created_at, subscribed_at) VALUES ('ann@example.org', 'subscribed', 'x', 'x')").run()).toThrow(/UNIQUE|readonly/);
    } finally {
      raw.close();
    }
  });
});
