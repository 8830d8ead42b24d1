import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

const READERS = subscriberList(40);
const CONCURRENCY = 3; // email.maxConnections of TEST_SHEET
let project: Project;
let smtp: Smtp;
let slow = true;
let killAt: (() => void) | undefined;

beforeAll(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(READERS);
  smtp = await startSmtp({
    afterData: async (_r, _s, i) => {
      if (i === 10) killAt?.();
      if (slow) await new Promise((r) => setTimeout(r, 30));
      return undefined;
    },
  });
});

afterAll(() => smtp.close());

describe('kill -9 in the middle of a send', () => {
  it('then a second send: nobody is missed, and duplicates stay within the messages in flight', async () => {
    const env = { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET };
    const sender = startCli(['send', '--config', project.configFile], { cwd: project.dir, env });
    // The 11th message reaches the server; the sender dies before it can
    // record the reply, while other messages are on the wire too. The server
    // still accepts it, so it is the copy a resend will duplicate.
    killAt = () => sender.child.kill('SIGKILL');
    expect(await sender.exited).toEqual({ code: null, signal: 'SIGKILL' });
    killAt = undefined;
    await new Promise((r) => setTimeout(r, 100));

    const store = await project.store();
    const afterCrash = (await store.deliveries(1));
    await store.close();
    const inFlight = afterCrash.filter((d) => d.state === 'submitted');
    expect(inFlight.length).toBeGreaterThanOrEqual(1);
    expect(inFlight.length).toBeLessThanOrEqual(CONCURRENCY);
    const acceptedBefore = afterCrash.filter((d) => d.state === 'accepted').length;
    expect(acceptedBefore).toBeGreaterThanOrEqual(8);
    expect(acceptedBefore).toBeLessThan(READERS.length);

    slow = false;
    const rerun = await runCli(['send', '--config', project.configFile], { cwd: project.dir, env });
    expect(rerun.stderr).toContain('issue resumed');
    expect(rerun.stdout).toContain(`issue 1: ${READERS.length} accepted, 0 failed, 0 pending`);
    expect(rerun.code).toBe(0);

    // Nobody missed: every reader has at least one accepted copy.
    const counts = smtp.countsByRecipient();
    expect(READERS.filter((r) => !counts.has(r))).toEqual([]);
    expect([...counts.keys()].sort()).toEqual(READERS);
    // Duplicates only among the deliveries in flight at the crash.
    const doubled = [...counts.entries()].filter(([, n]) => n > 1);
    const extra = doubled.reduce((sum, [, n]) => sum + n - 1, 0);
    expect(extra).toBeGreaterThanOrEqual(1);
    expect(extra).toBeLessThanOrEqual(inFlight.length);
    expect(doubled.map(([r]) => r).every((r) => inFlight.some((d) => d.email === r))).toBe(true);
    // A resent copy carries the Message-ID of the first, so it can be recognised.
    for (const [reader] of doubled) {
      const copies = await Promise.all(smtp.received.filter((m) => m.to.includes(reader)).map((m) => simpleParser(m.raw)));
      expect(new Set(copies.map((c) => c.messageId)).size).toBe(1);
    }

    const after = await project.store();
    try {
      expect((await after.counts(1))).toMatchObject({ accepted: READERS.length, pending: 0, submitted: 0, failed: 0 });
      expect((await after.getIssue(1))!.sentAt).toBeInstanceOf(Date);
    } finally {
      await after.close();
    }
  });
});
