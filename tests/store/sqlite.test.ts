import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/store/sqlite/sqlite-store.js';
import { openStore } from '../../src/store/open.js';
import { tempDir } from '../helpers/project.js';
import { storeConformance } from './conformance.js';

storeConformance('SQLite', () => openStore(path.join(tempDir(), 'data')));

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
});
