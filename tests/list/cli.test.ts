import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/delivery/csv.js';
import { runCli } from '../helpers/cli.js';
import { runJob, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp | undefined;

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  // One article: every send has an issue to make.
  await project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
});

afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET, ...env } });

describe('compliance before a real send', () => {
  it('send refuses an http:// site and a missing postal address, naming the fields, and records nothing; a dry run is allowed', async () => {
    project.configure((c) => {
      c.site.url = 'http://news.example.test/';
      delete c.site.postalAddress;
    });
    await project.addSubscribers(['ann@example.org']);
    smtp = await startSmtp();
    const r = await cli(['send'], { SMTP_URL: smtp.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [CONFIG_INVALID]: broadsheet.config.yaml is not ready to mail the list');
    expect(r.stderr).toContain('broadsheet.config.yaml: site.url: is http://news.example.test/; one-click unsubscribe (RFC 8058) needs an https:// address');
    expect(r.stderr).toContain('broadsheet.config.yaml: site.postalAddress: is required before the digest is sent to the list');
    expect(smtp.received).toHaveLength(0);
    const schedule = await cli(['schedule', '--once'], { SMTP_URL: smtp.url });
    expect([schedule.code, schedule.stderr.includes('site.postalAddress: is required')]).toEqual([1, true]);
    const store = await project.store();
    expect(await store.listIssues()).toEqual([]);
    await store.close();
    expect((await cli(['send', '--dry-run'])).code).toBe(0);
  });

  it('a 5xx at send time bounces the address at once; a 5.7.x block counts as a soft bounce', async () => {
    await project.addSubscribers(['gone@example.org', 'blocked@example.org', 'fine@example.org']);
    smtp = await startSmtp({
      onRcpt: (a) => (a === 'gone@example.org' ? smtpError(550, '5.1.1 <gone@example.org>: user unknown') : a === 'blocked@example.org' ? smtpError(554, '5.7.1 rejected as spam') : undefined),
    });
    expect(await runJob(project, smtp)).toEqual({ kind: 'sent', issue: 1, accepted: 1, failed: 2, pending: 0, givenUp: 0 });
    const store = await project.store();
    try {
      expect(await store.getSubscriber('gone@example.org')).toMatchObject({ status: 'bounced', leftVia: 'bounce' });
      expect((await store.getSubscriber('gone@example.org'))!.leftDetail).toMatch(/^smtp; 550 5\.1\.1 <gone@example\.org>: user unknown/);
      expect((await store.getSubscriber('blocked@example.org'))!.status).toBe('subscribed');
      expect(await store.issueListStats(1)).toEqual([{ issue: 1, accepted: 1, failed: 2, bounces: 2, complaints: 0 }]);
    } finally {
      await store.close();
    }
  });
});

describe('subscribers export, stats and import --confirm', () => {
  it('exports the list with its consent records as CSV, guarding names against spreadsheet formulas', async () => {
    await project.addSubscribers([{ email: 'ann@example.org', name: '=HYPERLINK("x")' }, 'bo@example.org']);
    await cli(['subscribers', 'remove', 'bo@example.org']);
    expect((await cli(['subscribers', 'export', 'list.csv'])).stdout).toBe('wrote 2 subscriber(s) to list.csv\n');
    const csv = parseCsv(await readFile(path.join(project.dir, 'list.csv'), 'utf8'));
    if (!csv.ok) throw new Error(csv.message);
    expect(csv.header).toEqual(['email', 'name', 'status', 'joined_at', 'joined_via', 'joined_detail', 'confirmed_at', 'subscribed_at', 'left_at', 'left_via', 'left_detail']);
    expect(csv.records.map((r) => r.fields)).toEqual([
      { email: 'ann@example.org', name: `'=HYPERLINK("x")`, status: 'subscribed', joined_at: '2025-09-01T07:00:00.000Z', joined_via: 'command-line', joined_detail: '', confirmed_at: '', subscribed_at: '2025-09-01T07:00:00.000Z', left_at: '', left_via: '', left_detail: '' },
      expect.objectContaining({ email: 'bo@example.org', status: 'unsubscribed', left_via: 'operator' }),
    ]);
    const stdout = await cli(['subscribers', 'export', '--status', 'unsubscribed']);
    expect(stdout.stdout.split('\r\n').filter(Boolean)).toHaveLength(2);
  });

  it('stats: counts by status, and each issue\'s bounce and complaint rates', async () => {
    await project.addSubscribers(['ann@example.org', 'bo@example.org', 'cy@example.org', 'di@example.org']);
    smtp = await startSmtp({ onRcpt: (a) => (a === 'bo@example.org' ? smtpError(550, '5.1.1 unknown') : undefined) });
    await runJob(project, smtp);
    const r = await cli(['subscribers', 'stats']);
    expect(r.stdout.split('\n')).toEqual([
      'subscribers: 0 pending, 3 subscribed, 0 unsubscribed, 1 bounced, 0 complained (4 in all)',
      'issue  accepted  refused  bounces  bounce rate  complaints  complaint rate',
      '    1         3        1        1       25.00%           0           0.00%',
      'bounce rate: bounced addresses / messages sent; complaint rate: complaints / messages accepted',
      '',
    ]);
  });

  it('import --confirm asks each new address to confirm, by mail, and leaves those who left alone', async () => {
    await project.addSubscribers(['member@example.org', 'former@example.org']);
    await cli(['subscribers', 'remove', 'former@example.org']);
    await writeFile(path.join(project.dir, 'people.csv'), 'email,name\nnew@example.org,New\nmember@example.org,\nformer@example.org,\n');
    smtp = await startSmtp();
    const r = await cli(['subscribers', 'import', 'people.csv', '--confirm'], { SMTP_URL: smtp.url });
    expect(r.stdout).toBe(
      'people.csv: CSV list; columns read: email, name\n' +
        'imported people.csv to confirm: 1 asked to confirm (1 mail(s) sent, 0 refused, 0 not sent), 0 already asked too often today, 1 already subscribed, 1 left unsubscribed, bounced or complained, 0 recorded as left at the source, 0 skipped\n',
    );
    expect(smtp.received.map((m) => m.to)).toEqual([['new@example.org']]);
    expect((await smtp.parsed())[0]!.text).toMatch(/https:\/\/news\.example\.test\/confirm\/[A-Za-z0-9_-]+/);
    const store = await project.store();
    try {
      expect(await store.getSubscriber('new@example.org')).toMatchObject({ status: 'pending', name: 'New', joinedVia: 'import', joinedDetail: 'people.csv' });
      expect((await store.getSubscriber('former@example.org'))!.status).toBe('unsubscribed');
    } finally {
      await store.close();
    }
    const noSmtp = await cli(['subscribers', 'import', 'people.csv', '--confirm']);
    expect(noSmtp.stderr).toContain('error [SMTP_NOT_CONFIGURED]');
  });
});
