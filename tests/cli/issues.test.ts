import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp;

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(['ann@example.org', 'bo@example.net', 'cy@example.com']);
  smtp = await startSmtp({ onRcpt: (to) => (to === 'bo@example.net' ? smtpError(550, '5.1.1 Mailbox unavailable') : undefined) });
});

afterEach(() => smtp.close());

const cli = (args: string[]) => runCli(args, { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET, SMTP_URL: smtp.url } });

describe('broadsheet issues', () => {
  it('before any send: says there is no issue yet', async () => {
    const r = await cli(['issues', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no issue has been created yet\n');
  });

  it('lists issues and shows one with its deliveries by state and the failures with their replies, as text and JSON', async () => {
    expect((await cli(['send'])).code).toBe(1);

    const list = await cli(['issues', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ {3}1 {2}\d{4}-\d\d-\d\d {2}sent \d{4}-\d\d-\d\d {2}The Test Sheet: Only story\n {6}1 entry; 2 accepted, 1 failed\n$/);

    const json = JSON.parse((await cli(['issues', 'list', '--json'])).stdout) as Record<string, unknown>[];
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ number: 1, subject: 'The Test Sheet: Only story', entries: ['only-story'], deliveries: { accepted: 2, failed: 1, pending: 0, submitted: 0, skipped: 0, total: 3 } });

    const show = await cli(['issues', 'show', '1']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('issue 1: The Test Sheet: Only story\n');
    expect(show.stdout).toContain('  carried   only-story\n');
    expect(show.stdout).toContain('  delivery  2 accepted, 1 failed (of 3)\n');
    expect(show.stdout).toContain('  failed    bo@example.net  after 1 attempt(s): 550 5.1.1 Mailbox unavailable\n');

    const shown = JSON.parse((await cli(['issues', 'show', '1', '--json'])).stdout) as { problems: unknown[] };
    expect(shown.problems).toEqual([{ email: 'bo@example.net', state: 'failed', attempts: 1, reply: '550 5.1.1 Mailbox unavailable' }]);

    const missing = await cli(['issues', 'show', '7']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error [USAGE]: there is no issue 7 (issues 1 to 1 exist)\n');
    const bad = await cli(['issues', 'show', 'x']);
    expect(bad.stderr).toBe('error [USAGE]: issues show needs an issue number such as 3, not "x"\n');
  });
});
