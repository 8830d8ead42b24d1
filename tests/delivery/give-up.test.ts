import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import type { Delivery } from '../../src/delivery/model.js';
import { runCli } from '../helpers/cli.js';
import { memoryLogger, runJob, subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, NOW, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

const READERS = subscriberList(6);
const FULL = READERS[3]!;
const HOUR = 3600_000;
const at = (hours: number) => fixedClock(new Date(new Date(NOW).getTime() + hours * HOUR));

let project: Project;
let smtp: Smtp;

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(READERS);
  // One mailbox that is full for ever: every attempt gets a 4xx.
  smtp = await startSmtp({ onRcpt: (a) => (a === FULL ? smtpError(452, '4.2.2 Mailbox full, try again later') : undefined) });
});

afterEach(async () => {
  await smtp.close();
});

async function row(issue: number, email: string): Promise<Delivery> {
  const store = await project.store();
  try {
    return (await store.deliveries(issue)).find((d) => d.email === email)!;
  } finally {
    await store.close();
  }
}

/** Sets email.giveUp in the project's config. */
function giveUp(setting: { afterHours?: number; afterAttempts?: number }): void {
  project.configure((c) => (c.email!.giveUp = setting));
}

describe('a delivery that keeps failing temporarily is given up, like a mail server gives up a message', () => {
  it('after email.giveUp.afterHours (5 days by default) since it was opened: failed with its last reply; the issue finishes and the next one goes out', async () => {
    const retry = { attempts: 3, backoffMs: 1 };
    expect(await runJob(project, smtp, { clock: at(0), retry })).toEqual({ kind: 'sent', issue: 1, accepted: 5, failed: 0, pending: 1, givenUp: 0 });
    expect(await row(1, FULL)).toMatchObject({ state: 'pending', attempts: 3, openedAt: new Date(NOW) });

    // A new article four days on: the unfinished issue still comes first.
    project.article('second-story', { title: 'Second story', date: '2025-09-05T06:00:00Z' });
    expect(await runJob(project, smtp, { clock: at(119), retry })).toEqual({ kind: 'sent', issue: 1, accepted: 5, failed: 0, pending: 1, givenUp: 0 });
    expect(await row(1, FULL)).toMatchObject({ state: 'pending', attempts: 6 });

    // Five days after it was opened, the next temporary failure is the last.
    const log = memoryLogger();
    expect(await runJob(project, smtp, { clock: at(120), retry, log })).toEqual({ kind: 'sent', issue: 1, accepted: 5, failed: 1, pending: 0, givenUp: 1 });
    expect(await row(1, FULL)).toMatchObject({ state: 'failed', attempts: 7, lastReply: '452 4.2.2 Mailbox full, try again later' });
    const given = log.events.filter((e) => e.event === 'delivery given up');
    expect(given).toEqual([
      {
        level: 'warn',
        event: 'delivery given up',
        issue: 1,
        to: FULL,
        attempt: 1,
        reply: '452 4.2.2 Mailbox full, try again later',
        openedAt: NOW.replace('Z', '.000Z'),
        reason: 'still failing temporarily after email.giveUp',
      },
    ]);
    expect(log.events).toContainEqual({ level: 'info', event: 'issue sent', issue: 1, accepted: 5, failed: 1, givenUp: 1 });

    // The next issue is created and sent; the full mailbox gets its own new chance at it.
    expect(await runJob(project, smtp, { clock: at(121), retry })).toEqual({ kind: 'sent', issue: 2, accepted: 5, failed: 0, pending: 1, givenUp: 0 });
    expect((await smtp.parsed()).slice(5).map((m) => m.subject)).toEqual(Array(5).fill('The Test Sheet: Second story'));
  });

  it('after an outage longer than the limit (the breaker held every delivery back, no attempt charged), the first run back delivers through greylisting; a delivery is given up by time only once it was offered in an earlier run too', async () => {
    const retry = { attempts: 3, backoffMs: 1 };
    // The server is down when the issue is opened: the run stops, nothing charged.
    const down = await startSmtp();
    await down.close();
    await expect(runJob(project, down, { clock: at(0), retry })).rejects.toMatchObject({ code: 'SMTP_UNAVAILABLE' });
    expect(await row(1, READERS[0]!)).toMatchObject({ state: 'pending', attempts: 0, openedAt: new Date(NOW) });

    // Six days on (past the 5 days of email.giveUp.afterHours), the server is back and greylists every
    // address once (451, then accepts), and the full mailbox still answers 452.
    const seen = new Set<string>();
    const back = await startSmtp({
      onRcpt: (a) => {
        if (a === FULL) return smtpError(452, '4.2.2 Mailbox full, try again later');
        if (seen.has(a)) return undefined;
        seen.add(a);
        return smtpError(451, '4.7.1 Greylisted, try again later');
      },
    });
    try {
      expect(await runJob(project, back, { clock: at(144), retry })).toEqual({ kind: 'sent', issue: 1, accepted: 5, failed: 0, pending: 1, givenUp: 0 });
      expect([...back.countsByRecipient().entries()].sort()).toEqual(READERS.filter((r) => r !== FULL).map((r) => [r, 1]));
      // Tried its 3 attempts of the run, none before: kept for the next run.
      expect(await row(1, FULL)).toMatchObject({ state: 'pending', attempts: 3 });
      // The next run, past the limit and with attempts from an earlier run: its first temporary failure is its last.
      expect(await runJob(project, back, { clock: at(145), retry })).toEqual({ kind: 'sent', issue: 1, accepted: 5, failed: 1, pending: 0, givenUp: 1 });
      expect(await row(1, FULL)).toMatchObject({ state: 'failed', attempts: 4, lastReply: '452 4.2.2 Mailbox full, try again later' });
    } finally {
      await back.close();
    }
  });

  it('after email.giveUp.afterAttempts attempts over all runs, whatever the time', async () => {
    giveUp({ afterAttempts: 4 });
    const retry = { attempts: 2, backoffMs: 1 };
    expect(await runJob(project, smtp, { retry })).toMatchObject({ pending: 1, givenUp: 0 });
    expect(await row(1, FULL)).toMatchObject({ state: 'pending', attempts: 2 });
    expect(await runJob(project, smtp, { retry })).toEqual({ kind: 'sent', issue: 1, accepted: 5, failed: 1, pending: 0, givenUp: 1 });
    expect(await row(1, FULL)).toMatchObject({ state: 'failed', attempts: 4, lastReply: '452 4.2.2 Mailbox full, try again later' });
  });

  it('broadsheet send reports it in its summary and its log, and exits 1', async () => {
    giveUp({ afterAttempts: 1 });
    const r = await runCli(['send', '--config', project.configFile], { cwd: project.dir, env: { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET } });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('issue 1: 5 accepted, 1 failed (1 given up after temporary failures, see email.giveUp), 0 pending');
    expect(r.stderr).toMatch(new RegExp(`^warn: delivery given up issue=1 to=r\\*\\*\\*@example\\.org attempt=1 reply="452 4\\.2\\.2 Mailbox full, try again later" openedAt=\\S+ reason="still failing temporarily after email.giveUp"$`, 'm'));
    expect(r.stderr.trim().split('\n').at(-1)).toBe('error [SEND_INCOMPLETE]: issue 1 is not fully delivered: 1 failed (1 given up after temporary failures, see email.giveUp), 0 pending');
  });
});
