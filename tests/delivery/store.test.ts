import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanName, normaliseAddress } from '../../src/delivery/address.js';
import { parseCsv } from '../../src/delivery/csv.js';
import { acquireLock } from '../../src/util/lock.js';
import { DATABASE_FILE, Store } from '../../src/delivery/store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('addresses', () => {
  it.each([
    ['Ann@Example.ORG', 'ann@example.org'],
    ['  bo.b+news@mail.example.co.uk ', 'bo.b+news@mail.example.co.uk'],
    ["o'connor@example.ie", "o'connor@example.ie"],
    ['x@BÜCHER.example', 'x@xn--bcher-kva.example'],
  ])('normalises %j to %j', (input, email) => expect(normaliseAddress(input)).toEqual({ ok: true, email }));

  it.each(['', 'plain', '@example.org', 'ann@', 'ann@example', 'ann@@example.org', 'a..b@example.org', '.a@example.org', 'ann@-x.example', 'ann@example.123', 'a b@example.org', 'ann@example.org\r\nBcc: x@y.z', '<ann@example.org>', `${'a'.repeat(65)}@example.org`])(
    'rejects %j with a reason',
    (input) => {
      const r = normaliseAddress(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(10);
    },
  );

  it('cleans names of line breaks and control characters', () => {
    expect(cleanName('Eve\r\nBcc: x@evil.test')).toBe('Eve Bcc: x@evil.test');
    expect(cleanName(' \t\u0000 ')).toBeUndefined();
    expect(cleanName('A\u2028B')).toBe('A B');
  });
});

describe('CSV', () => {
  it('reads quoted fields, escaped quotes, CRLF, line breaks inside quotes, and numbers lines as an editor does', () => {
    const r = parseCsv('\uFEFFEmail , Name\r\n"a@x.org","A, the ""first"""\r\n\r\nb@x.org,"two\nlines"\nc@x.org\n');
    expect(r).toEqual({
      ok: true,
      header: ['email', 'name'],
      records: [
        { line: 2, fields: { email: 'a@x.org', name: 'A, the "first"' } },
        { line: 4, fields: { email: 'b@x.org', name: 'two\nlines' } },
        { line: 6, fields: { email: 'c@x.org', name: '' } },
      ],
    });
  });

  it('reports a stray quote and an empty file', () => {
    expect(parseCsv('email\n"a"b\n')).toEqual({ ok: false, line: 2, message: expect.stringContaining('closing quote') });
    expect(parseCsv('')).toMatchObject({ ok: false, line: 1 });
  });
});

describe('Store', () => {
  it('uses WAL and keeps one subscriber per address, with status and timestamps', () => {
    const store = Store.open(path.join(dir, 'data'));
    const t1 = new Date('2025-01-01T00:00:00Z');
    const t2 = new Date('2025-02-01T00:00:00Z');
    expect(store.addSubscriber('ann@example.org', 'Ann', t1, { resubscribe: false })).toBe('added');
    expect(store.addSubscriber('ann@example.org', 'Ann', t2, { resubscribe: false })).toBe('unchanged');
    expect(store.addSubscriber('ann@example.org', 'Ann A', t2, { resubscribe: false })).toBe('renamed');
    expect(store.unsubscribe('ANN@example.org', t2)).toBe(true);
    expect(store.unsubscribe('ann@example.org', t2)).toBe(false);
    expect(store.unsubscribe('nobody@example.org', t2)).toBe(false);
    expect(store.unsubscribe('not an address', t2)).toBe(false);
    expect(store.addSubscriber('ann@example.org', undefined, t2, { resubscribe: false })).toBe('kept-unsubscribed');
    expect(store.getSubscriber('ann@example.org')).toEqual({ id: 1, email: 'ann@example.org', name: 'Ann A', status: 'unsubscribed', subscribedAt: t1, unsubscribedAt: t2 });
    expect(store.addSubscriber('ann@example.org', undefined, t2, { resubscribe: true })).toBe('resubscribed');
    expect(store.getSubscriber('ann@example.org')).toEqual({ id: 1, email: 'ann@example.org', name: 'Ann A', status: 'subscribed', subscribedAt: t2 });
    store.close();

    const raw = new Database(path.join(dir, 'data', DATABASE_FILE), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(() => raw.prepare("INSERT INTO subscribers (email, status, created_at, subscribed_at) VALUES ('ann@example.org', 'subscribed', 'x', 'x')").run()).toThrow();
    raw.close();
  });

  it('stores issues with their covered articles, and opens deliveries only for subscribed addresses', () => {
    const store = Store.open(dir);
    const at = new Date('2025-03-01T00:00:00Z');
    store.addSubscriber('ann@example.org', undefined, at, { resubscribe: false });
    store.addSubscriber('bo@example.org', undefined, at, { resubscribe: false });
    store.unsubscribe('bo@example.org', at);
    const issue = store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: '<p>{{name}}</p>', text: 'T', entrySlugs: ['a', 'b'], covered: ['a', 'b', 'c'], createdAt: at });
    expect(issue).toEqual({ number: 1, subject: 'S', preheader: 'P', html: '<p>{{name}}</p>', text: 'T', entrySlugs: ['a', 'b'], createdAt: at });
    expect([...store.coveredSlugs()].sort()).toEqual(['a', 'b', 'c']);
    expect(store.enqueue(1, at)).toBe(1);
    expect(store.enqueue(1, at)).toBe(0);
    expect(store.dueDeliveries(1).map((d) => [d.email, d.state])).toEqual([['ann@example.org', 'pending']]);
    store.markSubmitted(1, 1, '<m@x>', at);
    expect(store.counts(1)).toEqual({ pending: 0, submitted: 1, accepted: 0, failed: 0, skipped: 0 });
    // Leaving between runs: the open delivery is closed as skipped, not sent.
    store.unsubscribe('ann@example.org', at);
    store.enqueue(1, at);
    expect(store.dueDeliveries(1)).toEqual([]);
    expect(store.counts(1)).toMatchObject({ submitted: 0, skipped: 1 });
    // Coming back before the issue is finished: the issue is theirs again.
    store.addSubscriber('ann@example.org', undefined, at, { resubscribe: true });
    expect(store.enqueue(1, at)).toBe(1);
    expect(store.dueDeliveries(1).map((d) => [d.email, d.state])).toEqual([['ann@example.org', 'pending']]);
    expect(store.listIssues().map((i) => i.number)).toEqual([1]);
    store.close();
  });
});

describe('send lock', () => {
  it('lets one process send at a time, per data folder', async () => {
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    const first = await acquireLock(dir, clock, 'send');
    await expect(acquireLock(dir, clock, 'send')).rejects.toMatchObject({ code: 'LOCKED' });
    // The scheduler's lock is another lock: a scheduler may send.
    const schedule = await acquireLock(dir, clock, 'schedule');
    await schedule.release();
    await first.release();
    await (await acquireLock(dir, clock, 'send')).release();
  });
});
