import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type LogEvent, type RunningCli } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { subscriberList } from '../helpers/delivery.js';
import { makeProject, SECRET, type ConfigYaml, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

const EVERY_SECOND = { cron: '*/1 * * * * *', timezone: 'UTC' };

/** The example site's config and templates, no articles, and the given schedule. */
function scheduled(schedule: ConfigYaml['schedule']): Project {
  return makeProject({
    articles: 'none',
    config: (c) => {
      c.schedule = schedule;
      c.email!.maxConnections = 3;
    },
  });
}

let project: Project | undefined;
let smtp: Smtp | undefined;
const running: RunningCli[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await smtp?.close();
  smtp = undefined;
  project = undefined;
});

function schedule(p: Project, args: string[] = [], env: Record<string, string | undefined> = {}): RunningCli {
  const r = startCli(['schedule', '--log-format', 'json', ...args], { cwd: p.dir, env: { BROADSHEET_SECRET: SECRET, ...env } });
  running.push(r);
  return r;
}

const finished = (test: (e: LogEvent) => boolean) => (e: LogEvent) => e.event === 'tick finished' && test(e);

describe('broadsheet schedule', () => {
  it('builds on every tick, sends a new issue once, sends nothing when nothing is new, then an issue with only the new article', async () => {
    project = scheduled(EVERY_SECOND);
    project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
    await project.addSubscribers([{ email: 'ann@example.org', name: 'Ann' }, 'bo@example.net']);
    smtp = await startSmtp();
    const run = schedule(project, [], { SMTP_URL: smtp.url });

    const started = await run.waitFor((e) => e.event === 'schedule started');
    expect(started).toMatchObject({ level: 'info', cron: '*/1 * * * * *', timezone: 'UTC' });

    const sent = await run.waitFor(finished((e) => e.digest === 'sent'));
    expect(sent).toMatchObject({ issue: 1, accepted: 2, failed: 0, pending: 0 });
    const built = run.events.find((e) => e.event === 'built' && e.tick === sent.tick)!;
    expect(built.entries).toBe(1);
    expect(existsSync(path.join(project.output, 'digest.html'))).toBe(true);
    expect(Object.fromEntries(smtp.countsByRecipient())).toEqual({ 'ann@example.org': 1, 'bo@example.net': 1 });
    expect((await smtp.parsed()).map((m) => m.subject)).toEqual(['The Broadsheet: First story', 'The Broadsheet: First story']);

    const quiet = await run.waitFor(finished((e) => (e.tick as number) > (sent.tick as number)));
    expect(quiet.digest).toBe('nothing new since the last issue; nothing sent');
    expect(run.events.some((e) => e.event === 'built' && e.tick === quiet.tick)).toBe(true);
    expect(smtp.received).toHaveLength(2);

    project.article('second-story', { title: 'Second story', date: '2025-08-25T09:00:00Z' });
    const next = await run.waitFor(finished((e) => e.digest === 'sent' && e.issue === 2));
    expect(next).toMatchObject({ accepted: 2, failed: 0, pending: 0 });
    const second = (await smtp.parsed()).slice(2);
    expect(second.map((m) => m.subject)).toEqual(['The Broadsheet: Second story', 'The Broadsheet: Second story']);
    for (const m of second) expect(m.html).not.toContain('First story');
    const store = await project.store();
    try {
      expect((await store.listIssues()).map((i) => [i.number, i.entrySlugs, i.sentAt !== undefined])).toEqual([
        [2, ['second-story'], true],
        [1, ['first-story'], true],
      ]);
    } finally {
      await store.close();
    }

    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.events.map((e) => e.event)).toContain('schedule stopped');
    expect(smtp.received).toHaveLength(4);
    // Every line is one JSON event, and no secret is in any of them.
    const stderr = run.lines.join('\n');
    expect(run.lines.filter((l) => l !== '').length).toBe(run.events.length);
    expect(stderr).not.toContain(SECRET);
    expect(existsSync(path.join(project.data, 'schedule.lock'))).toBe(true);
    expect(existsSync(path.join(project.data, 'schedule.pid'))).toBe(false);
  });

  it('SIGTERM in the middle of a send: exit 0, a consistent ledger, and a rerun completes the issue with no duplicate', async () => {
    const readers = subscriberList(30);
    project = scheduled(EVERY_SECOND);
    project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
    await project.addSubscribers(readers);
    let slow = true;
    let run: RunningCli | undefined;
    smtp = await startSmtp({
      afterData: async (_m, _s, i) => {
        if (i === 6) run?.child.kill('SIGTERM');
        if (slow) await new Promise((r) => setTimeout(r, 150));
        return undefined;
      },
    });
    run = schedule(project, [], { SMTP_URL: smtp.url });
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.events.map((e) => e.event)).toEqual(expect.arrayContaining(['shutting down', 'waiting for the tick in flight', 'schedule stopped']));

    const store = await project.store();
    try {
      const ledger = (await store.deliveries(1));
      const accepted = ledger.filter((d) => d.state === 'accepted').map((d) => d.email);
      // Nothing was left half-recorded: every message the server took is marked accepted, the rest are still to send.
      expect(ledger.filter((d) => d.state === 'submitted')).toEqual([]);
      expect(accepted.sort()).toEqual(smtp.received.flatMap((r) => r.to).sort());
      expect(accepted.length).toBeGreaterThanOrEqual(7);
      expect(accepted.length).toBeLessThan(readers.length);
      expect(ledger.filter((d) => d.state === 'pending').length).toBe(readers.length - accepted.length);
      expect((await store.getIssue(1))!.sentAt).toBeUndefined();
    } finally {
      await store.close();
    }

    slow = false;
    const rerun = await runCli(['schedule', '--once'], { cwd: project.dir, env: { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET } });
    expect(rerun.code, rerun.stderr).toBe(0);
    const counts = smtp.countsByRecipient();
    expect([...counts.keys()].sort()).toEqual(readers);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const after = await project.store();
    try {
      expect((await after.deliveries(1)).every((d) => d.state === 'accepted')).toBe(true);
      expect((await after.getIssue(1))!.sentAt).toBeInstanceOf(Date);
    } finally {
      await after.close();
    }
  });

  it('runs one instance per data folder: of two started together, one runs and the other is refused', async () => {
    project = scheduled({ cron: '0 0 1 1 *' });
    // The store exists, as after any earlier run: this test is about the lock. (Two first opens
    // at once can both run the migrations, and one fails with "table subscribers already exists".)
    await (await project.store()).close();
    const [a, b] = [schedule(project), schedule(project)];
    const first = await Promise.race([a.exited.then(() => a), b.exited.then(() => b)]);
    const other = first === a ? b : a;
    expect(await first.exited).toEqual({ code: 1, signal: null });
    // Under --log-format json the final error is a JSON object too.
    const refusal = first.events.find((e) => e.event === 'failed' && e.code === 'LOCKED');
    await other.waitFor((e) => e.event === 'schedule started');
    const { startedAt } = JSON.parse(readFileSync(path.join(project.data, 'schedule.pid'), 'utf8')) as { startedAt: string };
    expect(refusal?.message).toBe(`another broadsheet schedule (pid ${other.child.pid}, started ${startedAt}) is running on the data folder ${project.data}; stop it first`);
    expect(first.events.some((e) => e.event === 'schedule started' || e.event === 'tick started')).toBe(false);

    const once = await runCli(['schedule', '--once'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    expect(once.code).toBe(1);
    expect(once.stderr).toContain('error [LOCKED]');

    other.child.kill('SIGINT');
    expect(await other.exited).toEqual({ code: 0, signal: null });
    const after = await runCli(['schedule', '--once'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    expect(after.code, after.stderr).toBe(0);
  });

  it.each([
    [{ cron: '61 * * * *' }, 'schedule.cron: is not a valid cron expression (minute field "61" is not valid)'],
    [{ cron: '0 7 * *' }, 'schedule.cron: is not a valid cron expression (expected 5 or 6 fields but got 4)'],
    [{ timezone: 'Mars/Olympus' }, 'schedule.timezone: is not a known IANA time zone'],
  ])('refuses to start with %o, naming the file, line and field', async (bad, message) => {
    project = scheduled(bad);
    const r = await runCli(['schedule'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [CONFIG_INVALID]');
    expect(r.stderr).toMatch(new RegExp(`broadsheet\\.config\\.yaml:\\d+: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(existsSync(path.join(project.data, 'schedule.lock'))).toBe(false);
  });

  it('refuses to start without BROADSHEET_SECRET when it would send, before taking the lock', async () => {
    project = scheduled(EVERY_SECOND);
    const r = await runCli(['schedule'], { cwd: project.dir, env: { SMTP_URL: 'smtp://127.0.0.1:9' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [SECRET_MISSING]: BROADSHEET_SECRET is not set');
    expect(existsSync(path.join(project.data, 'schedule.lock'))).toBe(false);
  });

  it('only rebuilds when the config has no email section', async () => {
    project = makeProject({ articles: 'none', config: (c) => delete c.email });
    project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
    const r = await runCli(['schedule', '--once', '--log-format', 'json'], { cwd: project.dir, env: {} });
    expect(r.code, r.stderr).toBe(0);
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as LogEvent);
    expect(events.find((e) => e.event === 'built')).toMatchObject({ tick: 1, entries: 1 });
    expect(events.find((e) => e.event === 'tick finished')).toMatchObject({ tick: 1, digest: 'none (no email section in the config)' });
    expect(existsSync(path.join(project.output, 'outbox'))).toBe(false);
  });
});
