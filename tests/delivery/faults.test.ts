import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/delivery/model.js';
import { memoryLogger, runJob, subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp, type SmtpBehaviour } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp | undefined;
const READERS = subscriberList(12);

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(READERS);
});

afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

async function ledger(): Promise<Delivery[]> {
  const store = await project.store();
  try {
    return (await store.deliveries(1));
  } finally {
    await store.close();
  }
}

async function serve(b: SmtpBehaviour): Promise<Smtp> {
  await smtp?.close();
  smtp = await startSmtp(b);
  return smtp;
}

/** Every reader got exactly one accepted copy. */
function expectEachOnce(s: Smtp) {
  expect([...s.countsByRecipient().entries()].sort()).toEqual(READERS.map((r) => [r, 1]));
}

describe('temporary failures are retried', () => {
  it.each([
    // Refused at the greeting: the messages were never offered, so their single attempt is the one that worked.
    ['a 421 greeting', { onConnect: (_s, i) => (i < 2 ? smtpError(421, 'Too busy, try later') : undefined) } satisfies SmtpBehaviour, [0, 0]],
    ['a 421 reply to the message', { afterData: (_r, _s, i) => (i < 2 ? smtpError(421, 'Try again later') : undefined) } satisfies SmtpBehaviour, [1, 2]],
    ['a 451 reply to the message', { afterData: (_r, _s, i) => (i === 0 ? smtpError(451, 'Local error') : undefined) } satisfies SmtpBehaviour, [1, 1]],
  ])('%s, then success: everyone is accepted once', async (_name, behaviour, [least, most]) => {
    const s = await serve(behaviour);
    const result = await runJob(project, s);
    expect(result).toEqual({ kind: 'sent', issue: 1, accepted: 12, failed: 0, pending: 0, givenUp: 0 });
    expectEachOnce(s);
    const rows = (await ledger());
    expect(rows.every((d) => d.state === 'accepted' && /^250 /.test(d.lastReply ?? ''))).toBe(true);
    const retried = rows.filter((d) => d.attempts === 2).length;
    expect(retried).toBeGreaterThanOrEqual(least!);
    expect(retried).toBeLessThanOrEqual(most!);
    expect(rows.filter((d) => d.attempts === 1)).toHaveLength(12 - retried);
  });
});

describe('permanent failures are recorded and not retried', () => {
  it('a 550 for one recipient: that delivery fails with the reply; the rest are accepted', async () => {
    const bad = READERS[4]!;
    const s = await serve({ onRcpt: (a) => (a === bad ? smtpError(550, 'No such user here') : undefined) });
    const log = memoryLogger();
    expect(await runJob(project, s, { log })).toEqual({ kind: 'sent', issue: 1, accepted: 11, failed: 1, pending: 0, givenUp: 0 });
    const row = (await ledger()).find((d) => d.email === bad)!;
    expect(row.state).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.lastReply).toContain('550 No such user here');
    expect(log.events.some((e) => e.level === 'warn' && e.event === 'delivery failed' && e.to === bad)).toBe(true);
    expect(s.countsByRecipient().has(bad)).toBe(false);

    // The issue is finished; running again sends nothing to anyone.
    expect(await runJob(project, s)).toEqual({ kind: 'nothing-new' });
    expect(s.received).toHaveLength(11);
  });
});

describe('connections that fail', () => {
  it('a connection dropped in the middle of a batch: the lost message is retried, nobody is missed or doubled', async () => {
    const s = await serve({ afterData: (_r, _s, i) => (i === 5 ? 'drop' : undefined) });
    expect(await runJob(project, s)).toEqual({ kind: 'sent', issue: 1, accepted: 12, failed: 0, pending: 0, givenUp: 0 });
    expectEachOnce(s);
    const rows = (await ledger());
    expect(rows.filter((d) => d.attempts === 2)).toHaveLength(1);
    expect(rows.filter((d) => d.attempts === 1)).toHaveLength(11);
  });

  it('a server that stops answering: three timeouts in a row stop the run, the rest stay pending untried, and the next run completes them', async () => {
    const stalled = await serve({ afterData: (_r, _s, i) => (i >= 3 ? 'hang' : undefined) });
    const log = memoryLogger();
    // A second: long enough that a loaded machine never times out one of the first three answers.
    const first = runJob(project, stalled, { log, smtp: { timeoutMs: 1000 }, retry: { attempts: 2, backoffMs: 10 } });
    await expect(first).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      message: expect.stringMatching(/^the SMTP server failed 3 connections in a row, the last with: ETIMEDOUT: Timeout; issue 1 stopped early: 3 accepted, 0 failed, 9 left for the next run/),
    });
    const rows = await ledger();
    expect(rows.filter((d) => d.state === 'accepted')).toHaveLength(3);
    expect(rows.filter((d) => d.state === 'submitted')).toHaveLength(0);
    const pending = rows.filter((d) => d.state === 'pending');
    expect(pending).toHaveLength(9);
    // The three that timed out carry their attempt and the reply; the six never tried carry nothing.
    expect(pending.filter((d) => d.attempts === 1 && /ETIMEDOUT/.test(d.lastReply ?? ''))).toHaveLength(3);
    expect(pending.filter((d) => d.attempts === 0 && d.lastReply === undefined)).toHaveLength(6);
    // Only those three are logged: the run stopped with one error, not a line per reader.
    const timedOut = pending.filter((d) => d.attempts === 1).map((d) => d.email);
    const logged = new Set(log.events.filter((e) => e.level === 'warn' && e.event.startsWith('delivery')).map((e) => e.to));
    expect([...logged].sort()).toEqual(timedOut.sort());
    const firstAccepted = stalled.countsByRecipient();

    const healthy = await serve({});
    expect(await runJob(project, healthy)).toEqual({ kind: 'sent', issue: 1, accepted: 12, failed: 0, pending: 0, givenUp: 0 });
    // The second server got exactly the nine the first never accepted.
    expect([...healthy.countsByRecipient().keys()].sort()).toEqual(READERS.filter((r) => !firstAccepted.has(r)));
    expect(healthy.received).toHaveLength(9);
  });
});

describe('stopping', () => {
  it('on abort, takes no new message, records those in flight, and a later run finishes the issue', async () => {
    const controller = new AbortController();
    const s = await serve({
      afterData: async (_r, _s, i) => {
        if (i === 3) controller.abort();
        await new Promise((r) => setTimeout(r, 20));
        return undefined;
      },
    });
    const first = await runJob(project, s, { signal: controller.signal });
    if (first.kind !== 'sent') throw new Error(`unexpected ${first.kind}`);
    expect(first.pending).toBeGreaterThan(0);
    expect(first.accepted + first.pending).toBe(12);
    // Nothing is left in flight, and the ledger agrees with what the server accepted.
    const rows = (await ledger());
    expect(rows.filter((d) => d.state === 'submitted')).toHaveLength(0);
    expect(rows.filter((d) => d.state === 'accepted').map((d) => d.email).sort()).toEqual([...s.countsByRecipient().keys()].sort());
    expect(s.received.length).toBe(first.accepted);
    expect(first.accepted).toBeLessThanOrEqual(3 + 3);

    expect(await runJob(project, s)).toEqual({ kind: 'sent', issue: 1, accepted: 12, failed: 0, pending: 0, givenUp: 0 });
    expectEachOnce(s);
  });
});

describe('a subscriber who leaves during a send', () => {
  it('is skipped, not sent to, and the issue still completes', async () => {
    const leaver = READERS[11]!;
    let left = false;
    const s = await serve({
      afterData: async (_r, _s, i) => {
        // While the first messages are in flight, the last reader clicks unsubscribe (the server's Store, another connection).
        if (i === 0) {
          const store = await project.store();
          try {
            left = (await store.unsubscribe(leaver, new Date('2025-09-01T07:00:01Z')));
          } finally {
            await store.close();
          }
        }
        return undefined;
      },
    });
    expect(await runJob(project, s)).toEqual({ kind: 'sent', issue: 1, accepted: 11, failed: 0, pending: 0, givenUp: 0 });
    expect(left).toBe(true);
    expect(s.countsByRecipient().has(leaver)).toBe(false);
    expect(s.received).toHaveLength(11);
    expect((await ledger()).find((d) => d.email === leaver)!.state).toBe('skipped');
    expect(await runJob(project, s)).toEqual({ kind: 'nothing-new' });
  });
});
