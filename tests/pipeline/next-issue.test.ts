import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import { nextIssue } from '../../src/pipeline/next-issue.js';
import { memoryLogger, runJob, TEST_SHEET } from '../helpers/delivery.js';
import { CLOCK, makeProject, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

/**
 * The RSS-to-email rules of pipeline/next-issue.ts, through real runs of the
 * digest job against a real SMTP server: nothing new is ever covered without
 * being mailed, listed or reported.
 */

let project: Project;
let smtp: Smtp;

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  await project.addSubscribers(['ann@example.org']);
  smtp = await startSmtp();
});

afterEach(() => smtp.close());

const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().replace('.000', '');

/** The titles of the stories one delivered message carries: lead, cards, then "Also new". */
async function carried(index: number): Promise<{ subject: string; text: string }> {
  const mail = (await smtp.parsed())[index]!;
  return { subject: mail.subject ?? '', text: mail.text ?? '' };
}

async function issueEntries(n: number): Promise<string[]> {
  const store = await project.store();
  try {
    return (await store.getIssue(n))!.entrySlugs;
  } finally {
    await store.close();
  }
}

describe('the first issue', () => {
  it('on a site with 50 old articles carries the newest only (digest.firstIssue: latest) and says what it covered without mailing', async () => {
    for (let i = 1; i <= 50; i++) project.article(`old-${i}`, { title: `Old story ${i}`, date: day(i) });
    const log = memoryLogger();
    expect(await runJob(project, smtp, { log })).toEqual({ kind: 'sent', issue: 1, accepted: 1, failed: 0, pending: 0, givenUp: 0 });
    expect(await issueEntries(1)).toEqual(['old-50']);
    expect(log.events).toContainEqual({ level: 'info', event: 'first issue: older articles marked covered, not mailed', issue: 1, articles: 49, setting: 'digest.firstIssue: latest' });
    // Nothing of the back catalogue comes back in a later issue.
    expect(await runJob(project, smtp)).toEqual({ kind: 'nothing-new' });
  });

  it('with digest.firstIssue: all, carries every article: cards up to maxTeasers, the rest under "Also new"', async () => {
    project.configure((c) => {
      c.digest.maxTeasers = 3;
      c.digest.firstIssue = 'all';
    });
    for (let i = 1; i <= 10; i++) project.article(`old-${i}`, { title: `Old story ${i}`, date: day(i) });
    await runJob(project, smtp);
    expect(await issueEntries(1)).toEqual(['old-10', 'old-9', 'old-8', 'old-7', 'old-6', 'old-5', 'old-4', 'old-3', 'old-2', 'old-1']);
    const { text } = await carried(0);
    expect(text).toContain('ALSO NEW');
    for (let i = 1; i <= 6; i++) expect(text).toContain(`Old story ${i}`);
  });
});

describe('a busy week: 12 new articles, maxTeasers 6', () => {
  async function busyWeek(): Promise<void> {
    project.article('first', { title: 'First story', date: day(0) });
    expect((await runJob(project, smtp)).kind).toBe('sent');
    for (let i = 1; i <= 12; i++) project.article(`week-${i}`, { title: `Week story ${i}`, date: day(i) });
  }

  it('digest.overflow: also-new (default): one issue, the lead, 6 cards and 5 links; all 12 mailed', async () => {
    await busyWeek();
    await runJob(project, smtp);
    const entries = await issueEntries(2);
    expect(entries).toHaveLength(12);
    expect(new Set(entries)).toEqual(new Set(Array.from({ length: 12 }, (_, i) => `week-${i + 1}`)));
    const { text } = await carried(1);
    for (let i = 1; i <= 12; i++) expect(text).toContain(`Week story ${i}\n`);
    expect(text.indexOf('ALSO NEW')).toBeGreaterThan(text.indexOf('Week story 6'));
    expect(await runJob(project, smtp)).toEqual({ kind: 'nothing-new' });
  });

  it('digest.overflow: carry-over: 7 in this issue, the other 5 in the next; all 12 mailed, none twice', async () => {
    project.configure((c) => {
      c.digest.maxTeasers = 6;
      c.digest.overflow = 'carry-over';
    });
    await busyWeek();
    const log = memoryLogger();
    await runJob(project, smtp, { log });
    expect(log.events).toContainEqual({ level: 'info', event: 'articles carried over to the next issue', issue: 2, articles: 5 });
    expect(await runJob(project, smtp)).toMatchObject({ kind: 'sent', issue: 3 });
    const second = await issueEntries(2);
    const third = await issueEntries(3);
    expect(second).toEqual(['week-12', 'week-11', 'week-10', 'week-9', 'week-8', 'week-7', 'week-6']);
    expect(third).toEqual(['week-5', 'week-4', 'week-3', 'week-2', 'week-1']);
    expect(await runJob(project, smtp)).toEqual({ kind: 'nothing-new' });
  });
});

describe("the editor's note", () => {
  it('opens the next issue once, then is kept in the data folder and gone from the next', async () => {
    project.article('first', { title: 'First story', date: day(0) });
    project.write('editor-note.md', 'We are **on holiday** next week. See [the schedule](/schedule/).\n');
    const note = path.join(project.dir, 'editor-note.md');
    // The preview (what build writes) carries it; so does the issue sent.
    const plan = await nextIssue(await loadSite(await project.loadConfig(), CLOCK), undefined);
    expect(plan.kind === 'new' && plan.content.note?.html).toBe('<p>We are <strong>on holiday</strong> next week. See <a href="https://news.example.test/schedule/">the schedule</a>.</p>');

    await runJob(project, smtp);
    const first = await carried(0);
    expect(first.text).toContain('We are **on holiday** next week.');
    expect((await smtp.parsed())[0]!.html).toContain('<strong>on holiday</strong>');
    expect(existsSync(note)).toBe(false);
    expect(project.read('data/notes/issue-1.md')).toBe('We are **on holiday** next week. See [the schedule](/schedule/).\n');

    project.article('second', { title: 'Second story', date: day(1) });
    await runJob(project, smtp);
    const second = await carried(1);
    expect(second.text).not.toContain('on holiday');
  });
});
