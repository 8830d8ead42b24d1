import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { DATABASE_FILE } from '../../src/store/sqlite/sqlite-store.js';
import { openStore } from '../../src/store/open.js';
import { REPO, tempDir } from '../helpers/project.js';
import { storeConformance } from './conformance.js';

storeConformance('SQLite', () => openStore(path.join(tempDir(), 'data')));

// The same store on its own thread, as serve, send and schedule open it: the thread runs the
// compiled worker, so this runs against dist/ (npm test builds it first).
const compiled = (await import(pathToFileURL(path.join(REPO, 'dist/store/open.js')).href)) as typeof import('../../src/store/open.js');
storeConformance('SQLite on its own thread', () => compiled.openStore(path.join(tempDir(), 'data'), { thread: true }));

describe('SQLite store', () => {
  it('uses WAL, and the schema itself refuses a second row for one address', async () => {
    const data = path.join(tempDir(), 'data');
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

  it('migrates a schema-1 database: rows keep their status and times, the ledger its references, and how they joined reads "unrecorded"', async () => {
    const data = path.join(tempDir(), 'data');
    await mkdir(data, { recursive: true });
    const old = new Database(path.join(data, DATABASE_FILE));
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.exec(`
      INSERT INTO subscribers (id, email, name, status, created_at, subscribed_at, unsubscribed_at) VALUES
        (7, 'ann@example.org', 'Ann', 'subscribed', '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', NULL),
        (9, 'bo@example.org', NULL, 'unsubscribed', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z');
      INSERT INTO issues (number, subject, preheader, html, text, entry_slugs, created_at, sent_at) VALUES (1, 'S', 'P', 'H', 'T', '["a"]', '2024-02-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z');
      INSERT INTO deliveries (issue, subscriber, state, created_at, updated_at) VALUES (1, 7, 'accepted', '2024-02-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z');`);
    old.close();

    const store = await openStore(data);
    try {
      expect(await store.getSubscriber('ann@example.org')).toEqual({
        id: 7,
        email: 'ann@example.org',
        name: 'Ann',
        status: 'subscribed',
        joinedAt: new Date('2024-01-02T00:00:00.000Z'),
        joinedVia: 'unrecorded',
        subscribedAt: new Date('2024-01-02T00:00:00.000Z'),
      });
      expect(await store.getSubscriber('bo@example.org')).toMatchObject({ id: 9, status: 'unsubscribed', leftAt: new Date('2024-03-01T00:00:00.000Z'), leftVia: 'unrecorded' });
      expect((await store.deliveries(1)).map((d) => [d.email, d.state])).toEqual([['ann@example.org', 'accepted']]);
      // The new statuses are allowed now, and the ledger still refers to the rebuilt table.
      expect(await store.applyReport({ key: 'k', kind: 'complaint', subscriberId: 7, issue: 1, detail: 'abuse', at: new Date('2024-04-01T00:00:00Z') }, { softBounceLimit: 3 })).toBe('applied');
    } finally {
      await store.close();
    }
    const raw = new Database(path.join(data, DATABASE_FILE), { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(raw.pragma('foreign_key_check')).toEqual([]);
      expect((raw.pragma('foreign_key_list(deliveries)') as { table: string; from: string }[]).map((f) => [f.from, f.table]).sort()).toEqual([
        ['issue', 'issues'],
        ['subscriber', 'subscribers'],
      ]);
    } finally {
      raw.close();
    }
  });

  it('processes opening a new data folder at once migrate it once, and all of them open it', async () => {
    const data = path.join(tempDir(), 'data');
    const open = `import(${JSON.stringify(pathToFileURL(path.join(REPO, 'dist/store/open.js')).href)}).then((m) => m.openStore(${JSON.stringify(data)})).then((s) => s.close())`;
    const exits = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', open], { stdio: 'ignore' }).on('close', resolve))),
    );
    expect(exits).toEqual([0, 0, 0, 0]);
    const raw = new Database(path.join(data, DATABASE_FILE), { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });
});
