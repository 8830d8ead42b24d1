import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFERRAL_THRESHOLD, DELIVERY_GRACE_MS } from '../../src/delivery/sender.js';
import { SHUTDOWN_GRACE_MS } from '../../src/schedule/scheduled-job.js';
import { startCli } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { memoryLogger, runJob, subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

const READERS = subscriberList(12);
let project: Project;
const servers: { close(): unknown }[] = [];

beforeEach(() => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
});

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function ledger(): Promise<{ state: string; attempts: number }[]> {
  const store = await project.store();
  try {
    return (await store.deliveries(1)).map((d) => ({ state: d.state, attempts: d.attempts }));
  } finally {
    await store.close();
  }
}

/** The readers no longer `subscribed` (a refusal counted as a bounce would make them `bounced`). */
async function leftTheList(): Promise<string[]> {
  const store = await project.store();
  try {
    return (await store.listSubscribers()).filter((s) => s.status !== 'subscribed').map((s) => s.email);
  } finally {
    await store.close();
  }
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A server that accepts TCP connections and never says a word. */
async function silentServer(): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const s: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push({
    close: () =>
      new Promise((r) => {
        for (const k of sockets) k.destroy();
        s.close(r);
      }),
  });
  return { url: `smtp://127.0.0.1:${(s.address() as AddressInfo).port}`, connections: () => count };
}

/** A plain TCP server that says `greeting`, then answers every line with `reply` (or, without one, closes the connection). */
async function scriptedServer(greeting: string, reply?: string): Promise<{ port: number; connections: () => number }> {
  let count = 0;
  const s = createServer((socket) => {
    count++;
    if (reply === undefined) return void socket.end(`${greeting}\r\n`);
    socket.write(`${greeting}\r\n`);
    socket.on('data', () => socket.write(`${reply}\r\n`));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push({ close: () => new Promise((r) => s.close(r)) });
  return { port: (s.address() as AddressInfo).port, connections: () => count };
}

describe('the circuit breaker: when the server itself fails, the run stops at once and nothing is held against the deliveries', () => {
  it('connection refused, 200 recipients: broadsheet send stops at once with one error line; all 200 stay pending, no attempt counted', async () => {
    const readers = subscriberList(200);
    await project.addSubscribers(readers);
    const port = await closedPort();
    const started = performance.now();
    const r = await runCli(['send', '--config', project.configFile], { cwd: project.dir, env: { SMTP_URL: `smtp://127.0.0.1:${port}`, BROADSHEET_SECRET: SECRET } });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => /delivery|warn|error/.test(l))).toEqual([lines.at(-1)]);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^error \\[SMTP_UNAVAILABLE\\]: the SMTP server cannot be reached: \\S+: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; issue 1 stopped early: 0 accepted, 0 failed, 200 left for the next run \\(no attempt charged to those never offered\\)$`),
    );
    const rows = await ledger();
    expect(rows).toHaveLength(200);
    expect(rows.every((d) => d.state === 'pending' && d.attempts === 0)).toBe(true);
  });

  it('a server that accepts TCP and never greets: the first greeting timeout stops the run', async () => {
    await project.addSubscribers(READERS);
    const silent = await silentServer();
    const log = memoryLogger();
    await expect(runJob(project, { url: silent.url } as Smtp, { log, smtp: { timeoutMs: 300 } })).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server cannot be reached: ETIMEDOUT: Greeting never received; issue 1 stopped early: 0 accepted, 0 failed, 12 left for the next run/),
    });
    // One connection per pooled slot, no retries.
    expect(silent.connections()).toBeLessThanOrEqual(3);
    expect(await ledger()).toEqual(Array(12).fill({ state: 'pending', attempts: 0 }));
    expect(log.events.filter((e) => e.event.includes('delivery'))).toEqual([]);
  });

  it('credentials refused: SMTP_NOT_CONFIGURED, nothing counted', async () => {
    await project.addSubscribers(READERS);
    const server = await startSmtp({ onAuth: () => new Error('Invalid username or password') });
    servers.push(server);
    const url = `smtp://newsletter:wrong@127.0.0.1:${server.port}`;
    await expect(runJob(project, { url } as Smtp)).rejects.toMatchObject({
      code: 'SMTP_NOT_CONFIGURED',
      message: expect.stringMatching(/^the SMTP server refused us: 535 Invalid username or password; issue 1 stopped early: 0 accepted, 0 failed, 12 left/),
    });
    expect(await ledger()).toEqual(Array(12).fill({ state: 'pending', attempts: 0 }));
  });

  it('three connection failures in a row (the server drops every connection): the run stops; only the messages then on the wire carry an attempt', async () => {
    await project.addSubscribers(READERS);
    const dropping = await startSmtp({ afterData: () => 'drop' });
    servers.push(dropping);
    await expect(runJob(project, dropping, { retry: { attempts: 1, backoffMs: 1 } })).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server failed 3 connections in a row, the last with: .*; issue 1 stopped early: 0 accepted, 0 failed, 12 left for the next run/),
    });
    const rows = await ledger();
    expect(rows.every((d) => d.state === 'pending')).toBe(true);
    // Three failures trip it; the other two connections may each have had one more message on the wire.
    const tried = rows.filter((d) => d.attempts > 0);
    expect(tried.length).toBeGreaterThanOrEqual(3);
    expect(tried.length).toBeLessThanOrEqual(3 + 2);
    expect(tried.every((d) => d.attempts === 1)).toBe(true);
  });

  it('a relay that refuses us at the greeting (554), 20 recipients: broadsheet send stops with one SMTP_UNAVAILABLE line; no reader bounced, all 20 pending, no attempt counted', async () => {
    const readers = subscriberList(20);
    await project.addSubscribers(readers);
    // The 554 greeting, then the connection closed (RFC 5321 §3.1).
    const relay = await scriptedServer('554 smtp.relay.test ESMTP not accepting messages');
    const port = relay.port;
    const r = await runCli(['send', '--config', project.configFile], { cwd: project.dir, env: { SMTP_URL: `smtp://127.0.0.1:${port}`, BROADSHEET_SECRET: SECRET } });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => /delivery|warn|error/.test(l))).toEqual([lines.at(-1)]);
    expect(lines.at(-1)).toBe(
      'error [SMTP_UNAVAILABLE]: the SMTP server refused us before any message was offered: 554 smtp.relay.test ESMTP not accepting messages; issue 1 stopped early: 0 accepted, 0 failed, 20 left for the next run (no attempt charged to those never offered)',
    );
    // One connection per pooled slot at most: nothing retried against a server that refuses us.
    expect(relay.connections()).toBeGreaterThan(0);
    expect(relay.connections()).toBeLessThanOrEqual(3);
    expect(await ledger()).toEqual(Array(20).fill({ state: 'pending', attempts: 0 }));
    expect(await leftTheList()).toEqual([]);
  });

  it('a server that greets and then refuses EHLO and HELO (554): the run stops with SMTP_UNAVAILABLE, no reader bounced, nothing counted', async () => {
    await project.addSubscribers(READERS);
    const relay = await scriptedServer('220 smtp.relay.test ESMTP', '554 5.7.1 Access denied');
    await expect(runJob(project, { url: `smtp://127.0.0.1:${relay.port}` } as Smtp)).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server refused us before any message was offered: 554 5\.7\.1 Access denied; issue 1 stopped early: 0 accepted, 0 failed, 12 left for the next run/),
    });
    expect(await ledger()).toEqual(Array(12).fill({ state: 'pending', attempts: 0 }));
    expect(await leftTheList()).toEqual([]);
  });

  it('a relay that refuses our envelope sender at MAIL FROM (553): the run stops with SMTP_UNAVAILABLE, no reader bounced, nothing counted', async () => {
    await project.addSubscribers(READERS);
    // A return path the relay will not send as: the same for every reader, so never a bounce of one.
    const relay = await startSmtp({ onMailFrom: () => smtpError(553, '5.7.1 Sender address rejected: not owned by user') });
    servers.push(relay);
    await expect(runJob(project, relay)).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server refused us before any message was offered: 553 5\.7\.1 Sender address rejected: not owned by user; issue 1 stopped early: 0 accepted, 0 failed, 12 left for the next run/),
    });
    expect(await ledger()).toEqual(Array(12).fill({ state: 'pending', attempts: 0 }));
    expect(await leftTheList()).toEqual([]);
    expect(relay.received).toEqual([]);
  });

  it('one message the server always drops at DATA, one connection: retried and left pending; the other 9 accepted, the run never stopped (the breaker counts different messages)', async () => {
    const readers = subscriberList(10);
    await project.addSubscribers(readers);
    project.configure((c) => (c.email!.maxConnections = 1));
    const dropping = await startSmtp({ afterData: (m) => (m.to.includes(readers[0]!) ? 'drop' : undefined) });
    servers.push(dropping);
    expect(await runJob(project, dropping, { retry: { attempts: 3, backoffMs: 1 } })).toEqual({ kind: 'sent', issue: 1, accepted: 9, failed: 0, pending: 1, givenUp: 0 });
    expect([...dropping.countsByRecipient().keys()].sort()).toEqual(readers.slice(1));
    const store = await project.store();
    try {
      const rows = await store.deliveries(1);
      expect(rows.filter((d) => d.state === 'accepted').map((d) => d.email).sort()).toEqual(readers.slice(1));
      expect(rows.find((d) => d.email === readers[0])).toMatchObject({ state: 'pending', attempts: 3 });
    } finally {
      await store.close();
    }
  });

  it('a TLS handshake that fails (smtps:// to a server that speaks plain SMTP): the first failure stops the run, nothing counted', async () => {
    await project.addSubscribers(READERS);
    const plain = await startSmtp();
    servers.push(plain);
    await expect(runJob(project, { url: `smtps://127.0.0.1:${plain.port}` } as Smtp)).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server cannot be reached: ESOCKET: .*wrong version number.*; issue 1 stopped early: 0 accepted, 0 failed, 12 left for the next run/),
    });
    expect(plain.received).toEqual([]);
    expect(await ledger()).toEqual(Array(12).fill({ state: 'pending', attempts: 0 }));
  });

  it('a host name that does not resolve (RFC 6761 .invalid): the first failure stops the run, nothing counted', async () => {
    await project.addSubscribers(READERS);
    await expect(runJob(project, { url: 'smtp://broadsheet-test.invalid:25' } as Smtp)).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server cannot be reached: EDNS: .*broadsheet-test\.invalid; issue 1 stopped early: 0 accepted, 0 failed, 12 left for the next run/),
    });
    expect(await ledger()).toEqual(Array(12).fill({ state: 'pending', attempts: 0 }));
  });

  it(`a relay that defers every message (451), 40 readers at 4 domains: ${DEFERRAL_THRESHOLD} first offers deferred in a row stop the run; only those and the ones then on the wire carry attempts, nobody bounced`, async () => {
    // Subscribed in turn, as a list's domains mix: reader001@a, reader001@b, …
    const readers = subscriberList(10).flatMap((r) => ['a.example', 'b.example', 'c.example', 'd.example'].map((domain) => r.replace('example.org', domain)));
    await project.addSubscribers(readers);
    const relay = await startSmtp({ onRcpt: () => smtpError(451, '4.3.0 Temporary failure: sending quota exceeded') });
    servers.push(relay);
    await expect(runJob(project, relay, { retry: { attempts: 3, backoffMs: 1 } })).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(
        new RegExp(`^the SMTP server deferred the messages of ${DEFERRAL_THRESHOLD} readers in a row, at 4 domains, the last with: 451 4\\.3\\.0 Temporary failure: sending quota exceeded; issue 1 stopped early: 0 accepted, 0 failed, 40 left for the next run`),
      ),
    });
    const rows = await ledger();
    expect(rows.every((d) => d.state === 'pending')).toBe(true);
    // The threshold trips it; each of the other two connections may have had one more message on the wire.
    const tried = rows.filter((d) => d.attempts > 0).length;
    expect(tried).toBeGreaterThanOrEqual(DEFERRAL_THRESHOLD);
    expect(tried).toBeLessThanOrEqual(DEFERRAL_THRESHOLD + 2);
    expect(await leftTheList()).toEqual([]);
    expect(relay.received).toEqual([]);
  });

  it('a resume whose readers were all deferred before (full mailboxes stay full) is not stopped: each is offered, deferred and left pending', async () => {
    const readers = ['a.example', 'b.example', 'c.example', 'd.example'].flatMap((domain) => subscriberList(3, domain));
    await project.addSubscribers(readers);
    const full = await startSmtp({ onRcpt: () => smtpError(452, '4.2.2 Mailbox full') });
    servers.push(full);
    await expect(runJob(project, full, { retry: { attempts: 1, backoffMs: 1 } })).rejects.toMatchObject({ code: 'SMTP_UNAVAILABLE' });
    const charged = (await ledger()).filter((d) => d.attempts > 0).length;
    expect(charged).toBeGreaterThanOrEqual(DEFERRAL_THRESHOLD);
    // The next run offers the two or so never tried too: too few first offers to trip it.
    expect(await runJob(project, full, { retry: { attempts: 1, backoffMs: 1 } })).toEqual({ kind: 'sent', issue: 1, accepted: 0, failed: 0, pending: 12, givenUp: 0 });
    expect((await ledger()).every((d) => d.state === 'pending' && d.attempts >= 1)).toBe(true);
  });

  it('a server that greylists (451 to each first try), 12 readers at its one domain: never stopped, all accepted on a retry', async () => {
    const readers = subscriberList(12, 'greylisting.example');
    await project.addSubscribers(readers);
    const seen = new Set<string>();
    const greylisting = await startSmtp({
      onRcpt: (address) => {
        if (seen.has(address)) return undefined;
        seen.add(address);
        return smtpError(451, '4.7.1 Greylisted, please try again later');
      },
    });
    servers.push(greylisting);
    expect(await runJob(project, greylisting, { retry: { attempts: 3, backoffMs: 1 } })).toEqual({ kind: 'sent', issue: 1, accepted: 12, failed: 0, pending: 0, givenUp: 0 });
    expect((await ledger()).every((d) => d.state === 'accepted' && d.attempts === 2)).toBe(true);
  });

  it('a server that answers 421 to every message: three in a row stop the run; only the messages then on the wire carry an attempt', async () => {
    await project.addSubscribers(READERS);
    const busy = await startSmtp({ afterData: () => smtpError(421, 'Too busy, closing') });
    servers.push(busy);
    await expect(runJob(project, busy, { retry: { attempts: 1, backoffMs: 1 } })).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server failed 3 connections in a row, the last with: 421 Too busy, closing; issue 1 stopped early: 0 accepted, 0 failed, 12 left for the next run/),
    });
    const rows = await ledger();
    expect(rows.every((d) => d.state === 'pending')).toBe(true);
    const tried = rows.filter((d) => d.attempts > 0);
    expect(tried.length).toBeGreaterThanOrEqual(3);
    expect(tried.length).toBeLessThanOrEqual(3 + 2);
  });
});

describe('SIGTERM ends a run within the documented grace, whatever the server does', () => {
  it('broadsheet send, against a server that accepts TCP and never greets: exits 1 within DELIVERY_GRACE_MS, one error line', async () => {
    await project.addSubscribers(READERS);
    const silent = await silentServer();
    const run = startCli(['send', '--config', project.configFile], { cwd: project.dir, env: { SMTP_URL: silent.url, BROADSHEET_SECRET: SECRET } });
    await expect.poll(silent.connections, { timeout: 40_000, interval: 20 }).toBeGreaterThan(0);
    const signalled = performance.now();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    const took = performance.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(DELIVERY_GRACE_MS - 100);
    expect(took).toBeLessThan(DELIVERY_GRACE_MS + 2500);
    expect(code).toBe(1);
    expect(run.lines.filter((l) => l.startsWith('error'))).toEqual(['error [SEND_INCOMPLETE]: issue 1 is not fully delivered: 0 failed, 12 pending; run broadsheet send again to retry the pending ones']);
    // The messages cut on the wire stay `submitted` (for all we know, they arrived); none is counted.
    const rows = await ledger();
    expect(rows.filter((d) => d.state === 'submitted').length).toBeLessThanOrEqual(3);
    expect(rows.every((d) => (d.state === 'pending' || d.state === 'submitted') && d.attempts === 0)).toBe(true);
  }, 60_000);

  it('broadsheet schedule, against the same server: exits 0 within SHUTDOWN_GRACE_MS, the grace never exceeded', async () => {
    await project.addSubscribers(READERS);
    project.configure((c) => (c.schedule = { cron: '*/1 * * * * *', timezone: 'UTC' }));
    const silent = await silentServer();
    const run = startCli(['schedule', '--config', project.configFile, '--log-format', 'json'], { cwd: project.dir, env: { SMTP_URL: silent.url, BROADSHEET_SECRET: SECRET } });
    await expect.poll(silent.connections, { timeout: 40_000, interval: 20 }).toBeGreaterThan(0);
    const signalled = performance.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalled).toBeLessThan(SHUTDOWN_GRACE_MS);
    expect(run.events.map((e) => e.event)).toEqual(expect.arrayContaining(['shutting down', 'waiting for the tick in flight', 'schedule stopped']));
    expect(run.events.map((e) => e.event)).not.toContain('shutdown grace exceeded');
  }, 60_000);
});
