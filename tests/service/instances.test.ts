import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createToken, createUnsubscribeToken } from '../../src/delivery/tokens.js';
import { startCli, type RunningCli } from '../helpers/child.js';
import { TEST_SHEET } from '../helpers/delivery.js';
import { http } from '../helpers/http.js';
import { testPostgres } from '../helpers/postgres.js';
import { makeProject, SECRET, tempDir, type ConfigPatch, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

const server = await testPostgres();

let smtp: Smtp | undefined;
const instances: RunningCli[] = [];
afterAll(async () => {
  for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGKILL');
  await smtp?.close();
});

const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });

/** The test newsletter on a fresh PostgreSQL database, its schedule ticking every second: two instances that both ticked would show it within a test. */
async function sharedProject(patch: ConfigPatch = () => {}): Promise<{ project: Project; url: string }> {
  const url = await server!.newDatabase();
  const project = makeProject({
    articles: 'none',
    config: (c) => {
      TEST_SHEET(c);
      c.data = { ...c.data, url };
      c.schedule = { cron: '*/1 * * * * *', timezone: 'UTC' };
      patch(c);
    },
  });
  return { project, url };
}

describe.runIf(server)('several serve instances on one PostgreSQL', () => {
  it('a subscription, a confirmation and an unsubscribe taken by either instance are seen by the other and by the next send; the schedule ticks on one instance only, and the other takes over when it stops', async () => {
    const { project } = await sharedProject((c) => (c.list = { ...c.list, rateLimit: 1000 }));
    project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
    await project.addSubscribers(['ann@example.org', 'bo@example.net']);
    smtp = await startSmtp();
    const env = { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET };
    // Each instance serves an output folder of its own, as on two machines.
    const start = (out: string) => {
      const i = startCli(['serve', '--schedule', '--port', '0', '--log-format', 'json', '--out', out], { cwd: project.dir, env });
      instances.push(i);
      return i;
    };
    const a = start(project.output);
    const aBase = (await a.waitFor((e) => e.event === 'listening')).url as string;
    const bOutput = tempDir();
    const b = start(bOutput);
    const bBase = (await b.waitFor((e) => e.event === 'listening')).url as string;

    // One schedule: the first instance ticks and sends issue 1 once; the second stands by and skips its ticks.
    await a.waitFor((e) => e.event === 'tick finished' && e.digest === 'sent' && e.issue === 1);
    await b.waitFor((e) => e.event === 'tick skipped' && e.reason === 'another instance runs the schedule');
    expect(b.events.some((e) => e.event === 'another instance runs the schedule; this one stands by, and takes over if that one stops')).toBe(true);
    await b.waitFor((e) => e.event === 'tick skipped' && Number(e.tick) >= 3);
    expect(b.events.filter((e) => e.event === 'tick started')).toEqual([]);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(['ann@example.org', 'bo@example.net']);

    // A reader unsubscribes on B; another asks to join on A and confirms on B.
    const leave = await http(bBase, `/unsubscribe/${createUnsubscribeToken(SECRET, 'bo@example.net')}`, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(leave.status).toBe(200);
    const join = await http(aBase, '/subscribe/', form({ email: 'cy@example.org' }));
    expect(join.status).toBe(200);
    await expect.poll(async () => (await smtp!.parsed()).find((m) => JSON.stringify(m.to).includes('cy@example.org'))?.text, { timeout: 10_000 }).toContain('/confirm/');
    const mail = (await smtp.parsed()).find((m) => JSON.stringify(m.to).includes('cy@example.org'))!;
    const confirm = /https:\/\/news\.example\.test(\/confirm\/[A-Za-z0-9_-]+)/.exec(mail.text!)![1]!;
    expect((await http(bBase, confirm, form({}))).status).toBe(200);
    // A's manage pages show both.
    const manage = async (email: string) => (await http(aBase, `/manage/${createToken('manage', SECRET, email)}`)).text;
    expect(await manage('bo@example.net')).toContain('unsubscribed on ');
    expect(await manage('cy@example.org')).toContain('subscribed since ');
    const store = await project.store();
    try {
      expect((await store.getSubscriber('bo@example.net'))).toMatchObject({ status: 'unsubscribed', leftVia: 'one-click' });
      expect((await store.getSubscriber('cy@example.org'))).toMatchObject({ status: 'subscribed', joinedVia: 'form' });
    } finally {
      await store.close();
    }

    // The next issue, sent by A's schedule, goes to ann and cy, not bo.
    const before = smtp.received.length;
    project.article('second-story', { title: 'Second story', date: '2025-08-25T09:00:00Z' });
    await a.waitFor((e) => e.event === 'tick finished' && e.digest === 'sent' && e.issue === 2, 30_000);
    expect(smtp.received.slice(before).map((m) => m.to[0]).sort()).toEqual(['ann@example.org', 'cy@example.org']);
    // B, standing by, still rebuilt the folder it serves: the new story is on its feed.
    await expect.poll(async () => (await http(bBase, '/rss.xml')).text, { timeout: 10_000 }).toContain('Second story');
    expect(b.events.filter((e) => e.event === 'built').length).toBeGreaterThan(0);

    // A stops: B takes the schedule over at its next tick.
    a.child.kill('SIGKILL');
    await b.waitFor((e) => e.event === 'tick started', 15_000);
    expect(b.events.filter((e) => e.event === 'tick started').length).toBeGreaterThan(0);
  }, 90_000);

  it('the server ends the connection holding the schedule lock: the instance stays up and answering, logs the lost lock, and takes the schedule again at a later tick', async () => {
    const { project, url } = await sharedProject();
    const a = startCli(['serve', '--schedule', '--port', '0', '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    instances.push(a);
    const base = (await a.waitFor((e) => e.event === 'listening')).url as string;
    await a.waitFor((e) => e.event === 'tick finished');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      // What a failover or an administrator does to the connection holding the lock named 'schedule'.
      const ended = await db.query(
        `SELECT pg_terminate_backend(pid) AS t FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 25203
           AND objid = (hashtext('schedule')::bigint & 4294967295)::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(ended.rows).toEqual([{ t: true }]);
    } finally {
      await db.end();
    }
    const lost = await a.waitFor((e) => e.event === 'schedule lock lost', 15_000);
    expect(lost).toMatchObject({ level: 'warn', code: 'DATABASE_UNREACHABLE' });
    expect(lost.error).toContain('57P01');
    // It took the lock again: ticks run after the one that noticed.
    await vi.waitFor(() => expect(a.events.slice(a.events.indexOf(lost)).filter((e) => e.event === 'tick started').length).toBeGreaterThan(0), { timeout: 15_000, interval: 50 });
    expect(a.child.exitCode).toBe(null);
    expect((await http(base, '/healthz')).status).toBe(200);
    expect(a.lines.filter((l) => l.includes("Unhandled 'error' event"))).toEqual([]);
  }, 60_000);
});
