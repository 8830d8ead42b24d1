import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { Outcome } from '../../src/delivery/ledger.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { sleep } from '../../src/util/sleep.js';
import { runCli } from '../helpers/cli.js';
import { messageMaker } from '../../src/delivery/messages.js';
import { DEFAULT_RETRY, deliver } from '../../src/delivery/sender.js';
import { smtpTransport } from '../../src/delivery/transport.js';
import { TEST_SHEET } from '../helpers/delivery.js';
import { CLOCK, makeProject, NOW, REPO, SECRET, tempDir } from '../helpers/project.js';
import { startSmtp } from '../helpers/smtp.js';
import { testPostgres } from '../helpers/postgres.js';
import { storeConformance } from './conformance.js';

const server = await testPostgres();

/** A fresh database, the store on it and a client for looking at its rows, both closed after `fn`. */
async function withDatabase(fn: (store: Store, db: pg.Client, url: string) => Promise<void>): Promise<void> {
  const url = await server!.newDatabase();
  const store = await openStore(tempDir(), { url });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await fn(store, db, url);
  } finally {
    await db.end();
    await store.close();
  }
}

if (server) {
  // Each test on a database of its own.
  storeConformance('PostgreSQL', async () => openStore(tempDir(), { url: await server.newDatabase() }));

  describe('PostgreSQL store', () => {
    it('processes opening a new database at once migrate it once, and all of them open it', async () => {
      const url = await server.newDatabase();
      const open = `import(${JSON.stringify(pathToFileURL(path.join(REPO, 'dist/store/open.js')).href)}).then((m) => m.openStore('.', { url: ${JSON.stringify(url)} })).then((s) => s.close())`;
      const exits = await Promise.all(
        Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', open], { stdio: 'ignore' }).on('close', resolve))),
      );
      expect(exits).toEqual([0, 0, 0, 0]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        expect((await client.query('SELECT version FROM broadsheet_schema')).rows).toEqual([{ version: PG_MIGRATIONS.length }]);
        // The schema itself refuses a second row for one address.
        await expect(client.query(`INSERT INTO subscribers (email, status, created_at, joined_at, joined_via) VALUES ('a@x.org', 'subscribed', now(), now(), 'form'), ('a@x.org', 'subscribed', now(), now(), 'form')`)).rejects.toMatchObject({ code: '23505' });
      } finally {
        await client.end();
      }
    });

    it('leases: each due delivery to one worker at a time; a claim needs the lease; a lease that ran out is taken over; a temporary failure waits for the next run', async () => {
      await withDatabase(async (store, db) => {
      const at = new Date('2025-03-01T00:00:00Z');
      await store.addSubscribers(['a', 'b', 'c', 'd', 'e'].map((n) => ({ email: `${n}@example.org` })), at, { resubscribe: false });
      await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['x'], covered: ['x'], createdAt: at });
      await store.enqueue(1, at);
      const a = store.sharedQueue('worker-a', 60_000)!;
      const b = store.sharedQueue('worker-b', 60_000)!;
      const run = new Date('2025-03-01T00:01:00Z');
      const emails = (r: { leased: { email: string }[] }) => r.leased.map((d) => d.email);
      expect(emails(await a.lease(1, 3, run))).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);
      expect(emails(await b.lease(1, 3, run))).toEqual(['d@example.org', 'e@example.org']);
      expect(await a.lease(1, 3, run)).toEqual({ leased: [], heldElsewhere: 2 });
      const id = async (n: string) => (await store.getSubscriber(`${n}@example.org`))!.id;

      // B cannot claim what A holds; the delivery stays A's, pending, not skipped.
      expect(await b.record(1, { outcomes: [], claims: [{ subscriberId: await id('a'), messageId: '<a@x>' }] }, run)).toEqual([false]);
      expect(await a.record(1, { outcomes: [], claims: [{ subscriberId: await id('a'), messageId: '<a@x>' }, { subscriberId: await id('b'), messageId: '<b@x>' }] }, run)).toEqual([true, true]);
      // A final answer ends the lease; a temporary one keeps it (A may retry within its run).
      await a.record(1, { outcomes: [{ subscriberId: await id('a'), state: 'accepted', reply: '250', attempted: true }, { subscriberId: await id('b'), state: 'pending', reply: '451', attempted: true }], claims: [] }, run);
      const rows = async () => (await db.query<{ email: string; state: string; claimed_by: string | null }>('SELECT s.email, d.state, d.claimed_by FROM deliveries d JOIN subscribers s ON s.id = d.subscriber ORDER BY s.email')).rows;
      expect((await rows()).slice(0, 3)).toEqual([
        { email: 'a@example.org', state: 'accepted', claimed_by: null },
        { email: 'b@example.org', state: 'pending', claimed_by: 'worker-a' },
        { email: 'c@example.org', state: 'pending', claimed_by: 'worker-a' },
      ]);

      // A dies holding b (answered temporarily) and c: once its leases run out, B takes c over in this run, and b only in a later run.
      await db.query(`UPDATE deliveries SET lease_until = now() - interval '1 second' WHERE claimed_by = 'worker-a'`);
      expect(emails(await b.lease(1, 5, run))).toEqual(['c@example.org']);
      expect(emails(await b.lease(1, 5, new Date('2025-03-01T00:02:00Z')))).toEqual(['b@example.org']);
      // Giving back: every lease of B ends.
      await b.release(1);
      await a.release(1);
      expect((await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE claimed_by IS NOT NULL`)).rows).toEqual([{ n: 0 }]);
      // A subscriber who left is skipped at the claim, whoever holds the lease.
      expect(emails(await a.lease(1, 1, new Date('2025-03-01T00:03:00Z')))).toEqual(['b@example.org']);
      await store.unsubscribe('b@example.org', run);
      expect(await a.record(1, { outcomes: [], claims: [{ subscriberId: await id('b'), messageId: '<b@x>' }] }, run)).toEqual([false]);
      expect((await rows())[1]).toMatchObject({ state: 'skipped' });
      await a.release(1);
      });
    });

    it("a worker paused past its lease answers too late: its outcome never overwrites the new holder's, and is told to the queue", async () => {
      await withDatabase(async (store, db) => {
      const at = new Date('2025-03-01T00:00:00Z');
      const run = new Date('2025-03-01T00:01:00Z');
      const wake = new Date('2025-03-01T00:01:30Z');
      await store.addSubscribers(['a', 'b'].map((n) => ({ email: `${n}@example.org` })), at, { resubscribe: false });
      await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['x'], covered: ['x'], createdAt: at });
      await store.enqueue(1, at);
      const heard: [number, Outcome[]][] = [];
      const a = store.sharedQueue('A', 60_000, (issue, dropped) => heard.push([issue, [...dropped]]))!;
      const b = store.sharedQueue('B', 60_000)!;
      const leased = (await a.lease(1, 2, run)).leased.map((d) => d.subscriberId);
      expect(leased).toHaveLength(2);
      const [one, two] = leased as [number, number];
      expect(await a.record(1, { outcomes: [], claims: leased.map((id) => ({ subscriberId: id, messageId: `<${id}@x>` })) }, run)).toEqual([true, true]);
      // A stalls past its leases; B takes both over: it answers the first (accepted), the second is still in its hands.
      await db.query(`UPDATE deliveries SET lease_until = now() - interval '1 second'`);
      expect((await b.lease(1, 2, run)).leased.map((d) => d.subscriberId)).toEqual([one, two]);
      expect(await b.record(1, { outcomes: [], claims: leased.map((id) => ({ subscriberId: id, messageId: `<${id}@x>` })) }, run)).toEqual([true, true]);
      await b.record(1, { outcomes: [{ subscriberId: one, state: 'accepted', reply: '250 B', attempted: true }], claims: [] }, run);
      // A wakes: a 451 for the first (would put it back to pending: sent again next run), a 550 for the second (would fail it under B).
      const lateOnes: Outcome[] = [
        { subscriberId: one, state: 'pending', reply: '451 A', attempted: true },
        { subscriberId: two, state: 'failed', reply: '550 A', attempted: true },
      ];
      expect(await a.record(1, { outcomes: lateOnes, claims: [] }, wake)).toEqual([]);
      const rows = async () =>
        (await db.query<{ state: string; last_reply: string | null; attempts: number; claimed_by: string | null }>('SELECT state, last_reply, attempts, claimed_by FROM deliveries ORDER BY subscriber')).rows;
      expect(await rows()).toEqual([
        { state: 'accepted', last_reply: '250 B', attempts: 1, claimed_by: null },
        { state: 'submitted', last_reply: null, attempts: 0, claimed_by: 'B' },
      ]);
      expect(heard).toEqual([[1, lateOnes]]);
      // Once B has answered, the delivery is final: even its holder's second word changes nothing.
      await b.record(1, { outcomes: [{ subscriberId: two, state: 'accepted', reply: '250 B', attempted: true }], claims: [] }, run);
      await b.record(1, { outcomes: [{ subscriberId: two, state: 'pending', reply: '451 B', attempted: true }], claims: [] }, wake);
      expect((await rows())[1]).toEqual({ state: 'accepted', last_reply: '250 B', attempts: 1, claimed_by: null });
      expect(await store.counts(1)).toMatchObject({ pending: 0, submitted: 0, accepted: 2, failed: 0 });
      expect(heard).toHaveLength(1);
      await a.release(1);
      await b.release(1);
      });
    });

    it('a worker whose lease ran out, with no one taking over yet, still records its answer', async () => {
      await withDatabase(async (store, db) => {
      const at = new Date('2025-03-01T00:00:00Z');
      const run = new Date('2025-03-01T00:01:00Z');
      await store.addSubscribers([{ email: 'a@example.org' }], at, { resubscribe: false });
      await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['x'], covered: ['x'], createdAt: at });
      await store.enqueue(1, at);
      const heard: Outcome[] = [];
      const a = store.sharedQueue('A', 60_000, (_, dropped) => heard.push(...dropped))!;
      const [d] = (await a.lease(1, 1, run)).leased;
      expect(await a.record(1, { outcomes: [], claims: [{ subscriberId: d!.subscriberId, messageId: '<m@x>' }] }, run)).toEqual([true]);
      await db.query(`UPDATE deliveries SET lease_until = now() - interval '1 second'`);
      await a.record(1, { outcomes: [{ subscriberId: d!.subscriberId, state: 'accepted', reply: '250 A', attempted: true }], claims: [] }, run);
      expect((await db.query('SELECT state, last_reply, claimed_by FROM deliveries')).rows).toEqual([{ state: 'accepted', last_reply: '250 A', claimed_by: null }]);
      expect(heard).toEqual([]);
      await a.release(1);
      });
    });

    it('the rate limit counts every worker on the database: no window passes more than its share', async () => {
      await withDatabase(async (store, db) => {
      const queues = ['w1', 'w2', 'w3'].map((w) => store.sharedQueue(w, 60_000)!);
      const signal = new AbortController().signal;
      // Three workers, 9 messages, 4 a second: at least three windows, none with more than 4.
      await Promise.all(Array.from({ length: 9 }, (_, i) => queues[i % 3]!.pace({ messages: 4, windowMs: 1000 }, signal)));
      const windows = (await db.query<{ sent: number }>('SELECT sent FROM send_rate ORDER BY window_start')).rows.map((r) => r.sent);
      expect(windows.reduce((a, b) => a + b, 0)).toBe(9);
      expect(Math.max(...windows)).toBeLessThanOrEqual(4);
      expect(windows.length).toBeGreaterThanOrEqual(3);
      });
    });

    it('a connection the server ends while it is checked out: a lock reports itself lost and is free to take again, a transaction and an exclusive section reject with DATABASE_UNREACHABLE, and the process goes on', async () => {
      const url = await server.newDatabase();
      const store = await openStore(tempDir(), { url });
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      // Ends the connections holding broadsheet's advisory locks on this database, as a failover or pg_terminate_backend would.
      const terminateLocks = async () =>
        (await db.query(`SELECT pg_terminate_backend(pid) AS t FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 25203 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows;
      try {
        const lock = await store.acquireLock('schedule', new Date());
        expect(lock.lost?.()).toBeUndefined();
        expect(await terminateLocks()).toEqual([{ t: true }]);
        await vi.waitFor(() => expect(lock.lost?.()).toMatchObject({ code: 'DATABASE_UNREACHABLE', message: expect.stringContaining('cannot hold the schedule lock') }));
        expect(lock.lost?.()?.message).toContain('57P01');
        // PostgreSQL dropped the lock with the connection: it can be taken again at once.
        const again = await store.acquireLock('schedule', new Date());
        expect(again.lost?.()).toBeUndefined();
        await lock.release();
        await again.release();

        // The connection of an exclusive section ends while the section runs (no query in flight): the section's result is not to be counted on.
        const queue = store.sharedQueue('worker-a', 60_000)!;
        const ended = await queue
          .exclusive('plan', async () => {
            expect(await terminateLocks()).toEqual([{ t: true }]);
            await sleep(300);
            return 'planned';
          })
          .catch((e: unknown) => e);
        expect(ended).toMatchObject({ code: 'DATABASE_UNREACHABLE', message: expect.stringContaining('cannot hold the plan lock') });

        // A transaction whose connection ends between two statements.
        const tx = (store as unknown as { tx<T>(doing: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> }).tx.bind(store);
        const failed = await tx('test the transaction', async (c) => {
          await c.query('SELECT 1');
          await db.query('SELECT pg_terminate_backend($1)', [(c as unknown as { processID: number }).processID]);
          await sleep(300);
          return c.query('SELECT 1');
        }).catch((e: unknown) => e);
        expect(failed).toMatchObject({ code: 'DATABASE_UNREACHABLE', message: expect.stringContaining('cannot test the transaction: PostgreSQL at') });
        expect((failed as Error).message).toContain('57P01');

        // The pool discarded the ended connections: the store goes on with fresh ones.
        expect(await store.subscribedCount()).toBe(0);
      } finally {
        await db.end();
        await store.close();
      }
    });

    it('a stop while a message waits for its slot under the shared rate limit: no slot, nothing counted, the message does not go and stays pending with no attempt charged', async () => {
      const url = await server.newDatabase();
      const project = makeProject({
        articles: 'none',
        config: (c) => {
          TEST_SHEET(c);
          c.data = { ...c.data, url };
        },
      });
      await project.addSubscribers(['ann@example.org', 'bo@example.org']);
      const store = await project.store();
      const smtp = await startSmtp();
      const config = await project.loadConfig();
      const transporter = smtpTransport(config, smtp.url, undefined, { timeoutMs: 2000 });
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        await store.createIssue({ number: 1, subject: 'Issue 1', preheader: 'P', html: '<p>Hello</p>', text: 'Hello', entrySlugs: ['a'], covered: ['a'], createdAt: new Date(NOW) });
        await store.enqueue(1, new Date(NOW));
        const queue = store.sharedQueue('worker-a', 60_000)!;
        // One message an hour: the second waits for a window the test never reaches.
        const rate = { messages: 1, windowMs: 3_600_000 };
        const stop = new AbortController();
        const result = await deliver({
          ledger: store,
          issue: 1,
          due: await store.dueDeliveries(1),
          transporter,
          make: messageMaker(config, (await store.getIssue(1))!, SECRET, CLOCK),
          clock: CLOCK,
          signal: stop.signal,
          concurrency: 1,
          retry: DEFAULT_RETRY,
          giveUp: { afterMs: Infinity, afterAttempts: 0 },
          onEvent: (e) => {
            if (e.kind === 'accepted') setTimeout(() => stop.abort(), 300);
          },
          pace: () => queue.pace(rate, stop.signal),
        });
        expect(result).toEqual({});
        expect(smtp.received.map((m) => m.to[0])).toEqual(['ann@example.org']);
        expect((await store.deliveries(1)).map((d) => ({ email: d.email, state: d.state, attempts: d.attempts }))).toEqual([
          { email: 'ann@example.org', state: 'accepted', attempts: 1 },
          { email: 'bo@example.org', state: 'pending', attempts: 0 },
        ]);
        // The window counts the one message that went; a pace asked after the stop is refused without counting.
        expect(await queue.pace(rate, stop.signal)).toBe(false);
        expect((await db.query('SELECT sum(sent)::int AS n FROM send_rate')).rows).toEqual([{ n: 1 }]);
      } finally {
        transporter.close();
        await db.end();
        await smtp.close();
        await store.close();
      }
    });

    it('a server that is not there is DATABASE_UNREACHABLE, naming it without the password', async () => {
      const err = await openStore(tempDir(), { url: 'postgres://broadsheet:s3cret-pw@127.0.0.1:1/news' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DATABASE_UNREACHABLE' });
      expect((err as Error).message).toContain('127.0.0.1:1/news');
      expect((err as Error).message).not.toContain('s3cret-pw');
    });
  });
}

describe('DATABASE_URL', () => {
  it.each([
    ['is a secret: a server that cannot be reached is DATABASE_UNREACHABLE, and the password appears nowhere', 'postgres://news:pw-Xq81vZ@127.0.0.1:1/news', 'pw-Xq81vZ'],
    ['a password with an unencoded "/" (which the URL parser takes for a port and a path) appears nowhere either', 'postgres://app:2024/winter@127.0.0.1:1/news', 'winter'],
  ])('%s', async (_name, url, password) => {
    const project = makeProject({ articles: 'none' });
    const r = await runCli(['subscribers', 'list', '--config', project.configFile], { cwd: project.dir, env: { DATABASE_URL: url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [DATABASE_UNREACHABLE]: cannot open the database: PostgreSQL at 127.0.0.1:1/news cannot be reached');
    expect(r.stdout + r.stderr).not.toContain(password);
  });
});
