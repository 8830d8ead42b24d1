import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { runJob, subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { testPostgres } from '../helpers/postgres.js';
import { CLOCK, makeProject, SECRET } from '../helpers/project.js';
import { startSmtp, type Received, type Smtp } from '../helpers/smtp.js';

const server = await testPostgres();

/** email.maxConnections of TEST_SHEET: the most messages one sender has in flight. */
const IN_FLIGHT = 3;
/** What the issue asks: three senders, 10,000 readers. */
const READERS = Number(process.env.BROADSHEET_WORKERS_READERS ?? 10_000);
const KILL_AT = Math.floor(READERS / 3);

let smtp: Smtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const messageId = (m: Received) => /^Message-ID:\s*(<[^>]+>)/im.exec(m.raw.subarray(0, 4096).toString('latin1'))?.[1];

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; log: string }> {
  let stdout = '';
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  // The log (a line per delivery): only its lines other than accepted deliveries are kept, to show in a failure.
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c.split('\n').filter((l) => !l.startsWith('delivery accepted')).join('\n')));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, log })));
}

describe.runIf(server)('many senders, one issue (PostgreSQL)', () => {
  it(
    `three sender processes share ${READERS.toLocaleString('en')} deliveries; one is killed with kill -9: everybody gets the issue, repeats only what it had in flight, same Message-ID`,
    async () => {
      const url = await server!.newDatabase();
      const project = makeProject({
        articles: 'none',
        config: (c) => {
          TEST_SHEET(c);
          // A short lease, so that the dead sender's deliveries are taken over within the test.
          c.data = { ...c.data, url, leaseSeconds: 2 };
        },
      });
      project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
      const readers = subscriberList(READERS);
      await project.addSubscribers(readers);

      let kill: (() => void) | undefined;
      smtp = await startSmtp({
        afterData: () => {
          if (smtp!.received.length === KILL_AT) kill?.();
          return undefined;
        },
      });
      const env = { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET };
      const children = [0, 1, 2].map(() => spawnCli(['send', '--config', project.configFile], { cwd: project.dir, env }));
      const exits = children.map(exitOf);
      const victim = children[1]!;

      // The victim's deliveries in flight, read the moment it is dead (before its lease runs out).
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      db.on('error', () => {});
      let inFlight: string[] = [];
      const killed = new Promise<void>((resolve) => {
        kill = () => {
          kill = undefined;
          victim.kill('SIGKILL');
          victim.once('exit', () => {
            void db
              .query<{ email: string }>(`SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber WHERE d.state = 'submitted' AND d.claimed_by LIKE $1`, [`%:${victim.pid}:%`])
              .then((r) => (inFlight = r.rows.map((x) => x.email)))
              .finally(resolve);
          });
        };
      });

      const [first, dead, third] = await Promise.all(exits);
      await killed;
      expect(dead!.signal).toBe('SIGKILL');
      for (const survivor of [first!, third!]) {
        expect(survivor.stdout, survivor.log).toMatch(new RegExp(`^issue 1: ${READERS} accepted, 0 failed, 0 pending\n`));
        expect(survivor.code).toBe(0);
      }

      const copies = new Map<string, string[]>();
      for (const m of smtp.received) for (const to of m.to) copies.set(to, [...(copies.get(to) ?? []), messageId(m) ?? '(none)']);
      // Nobody missed.
      expect(readers.filter((r) => !copies.has(r))).toEqual([]);
      expect(copies.size).toBe(READERS);
      // Repeats only for what the dead sender had in flight, and at most its connections' worth.
      const repeated = readers.filter((r) => copies.get(r)!.length > 1);
      expect(inFlight.length).toBeLessThanOrEqual(IN_FLIGHT);
      expect(repeated.filter((r) => !inFlight.includes(r))).toEqual([]);
      expect(repeated.every((r) => copies.get(r)!.length === 2)).toBe(true);
      expect(smtp.received.length).toBe(READERS + repeated.length);
      // Every copy has the Message-ID of the first.
      expect(readers.filter((r) => new Set(copies.get(r)).size !== 1)).toEqual([]);
      // The ledger agrees.
      const accepted = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE state = 'accepted'`);
      expect(accepted.rows[0]!.n).toBe(READERS);
      await db.end();
    },
    240_000,
  );

  it('send --workers 3: three workers in one process share the issue, each reader gets one copy', async () => {
    const url = await server!.newDatabase();
    const project = makeProject({ articles: 'none', config: (c) => (TEST_SHEET(c), (c.data = { ...c.data, url })) });
    project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
    const readers = subscriberList(300);
    await project.addSubscribers(readers);
    smtp = await startSmtp();
    const sent = await runCli(['send', '--workers', '3', '--config', project.configFile], { cwd: project.dir, env: { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET } });
    expect(sent.stdout, sent.stderr).toMatch(/^issue 1: 300 accepted, 0 failed, 0 pending\n/);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(readers);
  });

  it('a reader who leaves during the send, before any worker leased their delivery, is skipped, and the issue ends sent', async () => {
    const url = await server!.newDatabase();
    const project = makeProject({
      articles: 'none',
      config: (c) => {
        TEST_SHEET(c);
        // One connection: leases of 4 (maxConnections × 4), so the last of 10 readers is leased well after the first message.
        c.email!.maxConnections = 1;
        c.data = { ...c.data, url };
      },
    });
    project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
    const readers = subscriberList(10);
    await project.addSubscribers(readers);
    smtp = await startSmtp({
      afterData: async (_m, _s, index) => {
        if (index > 0) return undefined;
        const store = await project.store();
        try {
          expect(await store.unsubscribe('reader010@example.org', CLOCK.now())).toBeTruthy();
        } finally {
          await store.close();
        }
        return undefined;
      },
    });
    expect(await runJob(project, smtp)).toEqual({ kind: 'sent', issue: 1, accepted: 9, failed: 0, pending: 0, givenUp: 0 });
    expect(smtp.received.map((m) => m.to[0])).toEqual(readers.slice(0, 9));
    const store = await project.store();
    try {
      expect(await store.counts(1)).toEqual({ pending: 0, submitted: 0, accepted: 9, failed: 0, skipped: 1 });
      expect((await store.getIssue(1))!.sentAt).toEqual(CLOCK.now());
    } finally {
      await store.close();
    }
  });
});

describe('send --workers without PostgreSQL', () => {
  it('is refused with SQLite: exit 2, one line saying what it needs', async () => {
    const project = makeProject({ articles: 'none', config: TEST_SHEET });
    const r = await runCli(['send', '--workers', '2', '--config', project.configFile], { cwd: project.dir, env: { SMTP_URL: 'smtp://127.0.0.1:1', BROADSHEET_SECRET: SECRET } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [USAGE]: --workers needs a store several senders can share: set DATABASE_URL to a PostgreSQL database');
  });
});
