import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'cheerio';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

/**
 * The promise behind `output/digest.html`: what an editor previews after
 * `build` is the issue `send` delivers. Both commands run for real; the
 * digest on disk and the message a real SMTP server received are compared
 * story by story.
 */

interface Shown {
  dateline: string;
  lead: { title: string; url: string };
  cards: { title: string; url: string }[];
  alsoNew: { title: string; url: string }[];
}

/** The stories a digest's HTML shows, in order, read the way a person reads them. */
function storiesOf(html: string): Shown {
  const $ = load(html);
  const link = (a: ReturnType<typeof $>) => ({ title: a.text().trim(), url: a.attr('href') ?? '' });
  return {
    dateline: $('div')
      .filter((_, el) => /^Issue \d+ · /.test($(el).text().trim()))
      .first()
      .text()
      .trim(),
    lead: link($('h1 a').first()),
    cards: $('h3 a')
      .toArray()
      .map((a) => link($(a)))
      .filter((c) => c.url !== 'https://news.example.test/'),
    alsoNew: $('li a')
      .toArray()
      .map((a) => link($(a))),
  };
}

let project: Project;
let smtp: Smtp | undefined;

beforeEach(async () => {
  project = makeProject({
    articles: 'none',
    config: (c) => {
      TEST_SHEET(c);
      c.digest.maxTeasers = 2;
    },
  });
  project.article('old-story', { title: 'An old story', date: '2025-08-01T09:00:00Z' });
  project.article('side-note', { title: 'A side note', date: '2025-08-02T09:00:00Z', body: '' });
  project.article('lead-story', { title: 'The lead story', date: '2025-08-25T09:00:00Z', related: ['side-note'] });
  await project.addSubscribers([{ email: 'ann@example.org', name: 'Ann' }, 'bo@example.net']);
});

afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET, ...env } });

async function previewOnDisk(): Promise<{ shown: Shown; text: string; subject: string }> {
  const built = await cli(['build']);
  expect(built.code, built.stderr).toBe(0);
  const out = project.output;
  const eml = await simpleParser(await readFile(path.join(out, 'digest.eml')));
  return { shown: storiesOf(await readFile(path.join(out, 'digest.html'), 'utf8')), text: await readFile(path.join(out, 'digest.txt'), 'utf8'), subject: eml.subject ?? '' };
}

async function sendAndRead(from: number): Promise<{ shown: Shown; text: string; subject: string }[]> {
  const sent = await cli(['send'], { SMTP_URL: smtp!.url });
  expect(sent.code, sent.stderr).toBe(0);
  const mails = (await smtp!.parsed()).slice(from);
  expect(mails).toHaveLength(2);
  return mails.map((m) => ({ shown: storiesOf(String(m.html)), text: m.text ?? '', subject: m.subject ?? '' }));
}

/** The text part's story lines, with the per-recipient parts (greeting, links with a token) left out. */
// Per-recipient lines (greeting, links, the reason the reader gets the mail) differ from the neutral preview's by design.
const storyLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !/Hello |unsubscribe|View this issue|Manage your subscription|You receive this email/i.test(l));

describe('the digest build previews is the digest send delivers', { timeout: 60_000 }, () => {
  it('first issue, then the next one with only what is new, with also-new links beyond maxTeasers', async () => {
    smtp = await startSmtp();
    const preview = await previewOnDisk();
    expect(preview.shown.lead).toEqual({ title: 'The lead story', url: 'https://news.example.test/lead-story/' });
    expect(preview.shown.cards).toEqual([{ title: 'A side note', url: 'https://news.example.test/side-note/' }]);
    expect(preview.shown.dateline).toMatch(/^Issue 1 · /);

    for (const mail of await sendAndRead(0)) {
      expect(mail.shown).toEqual(preview.shown);
      expect(mail.subject).toBe(preview.subject);
      expect(storyLines(mail.text)).toEqual(storyLines(preview.text));
    }

    // Four new articles, maxTeasers 2: the newest leads, two become cards, one is listed under "Also new".
    for (const [slug, day] of [['new-a', 26], ['new-b', 27], ['new-c', 28], ['new-d', 29]] as const) {
      project.article(slug, { title: `Story ${slug}`, date: `2025-08-${day}T09:00:00Z` });
    }
    const next = await previewOnDisk();
    expect(next.shown.dateline).toMatch(/^Issue 2 · /);
    expect(next.shown.lead.title).toBe('Story new-d');
    expect(next.shown.cards.map((c) => c.title)).toEqual(['Story new-c', 'Story new-b']);
    expect(next.shown.alsoNew.map((c) => c.title)).toEqual(['Story new-a']);
    for (const mail of await sendAndRead(2)) {
      expect(mail.shown).toEqual(next.shown);
      expect(mail.subject).toBe(next.subject);
      expect(storyLines(mail.text)).toEqual(storyLines(next.text));
    }

    // Nothing new: the preview shows the latest issue, as it was sent.
    const after = await cli(['build']);
    expect(after.stdout).toContain('digest    shows issue 2, the latest sent: nothing new since');
  });

  it('an unfinished issue: the preview shows the issue send resumes, not a new one', async () => {
    // Everyone refused for now (4xx): issue 1 stays unfinished.
    const busy = await startSmtp({ onRcpt: () => smtpError(451, 'Try again later') });
    const first = await cli(['send'], { SMTP_URL: busy.url });
    expect(first.code).toBe(1);
    await busy.close();
    project.article('newer-story', { title: 'A newer story', date: '2025-08-28T09:00:00Z' });

    const preview = await previewOnDisk();
    expect((await cli(['build'])).stdout).toContain('digest    shows issue 1, unfinished: broadsheet send resumes it');
    expect(preview.shown.lead.title).toBe('The lead story');
    smtp = await startSmtp();
    for (const mail of await sendAndRead(0)) {
      expect(mail.shown).toEqual(preview.shown);
      expect(mail.subject).toBe(preview.subject);
    }
  });
});
