import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createToken, createUnsubscribeToken } from '../../src/delivery/tokens.js';
import { startCli, type RunningCli } from '../helpers/child.js';
import { http } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';
import { recorded, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

/*
 * issue 9, defect 9: what reaches a log must neither leak a credential nor
 * act on the terminal that shows it. Real processes, real stderr.
 */

describe('serve: request lines', () => {
  let project: Project;
  let serve: RunningCli;
  let base: string;
  const token = createUnsubscribeToken(SECRET, 'reader@example.com');
  const manage = createToken('manage', SECRET, 'reader@example.com');
  const confirm = createToken('confirm', SECRET, `0:reader@example.com`);

  beforeAll(async () => {
    project = makeProject({ articles: 'none' });
    project.write('output/rss.xml', '<rss version="2.0"><channel><title>t</title></channel></rss>\n');
    // Text logs: the format people read, where a raw escape sequence would act on their terminal.
    serve = startCli(['serve', '--port', '0'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    await vi.waitFor(() => {
      const line = serve.lines.find((l) => l.startsWith('listening '));
      if (!line) throw new Error(`not listening yet: ${serve.lines.join('\n')}`);
      base = /url=(\S+)/.exec(line)![1]!;
    }, { timeout: 20_000, interval: 20 });
  });

  afterAll(async () => {
    serve.child.kill('SIGTERM');
    await serve.exited;
    project.cleanup();
  });

  it('never logs a token, however the path spells it', async () => {
    const targets = [`/unsubscribe//${token}`, `//unsubscribe/${token}`, `/UNSUBSCRIBE/${token}`, `/unsubscribe/%2F${token}`, `/unsubscribe/${token}/..`, `/%75nsubscribe//${token}?x=1`];
    for (const target of [...targets, `/manage//${manage}`, `/Manage/${manage}`, `/confirm//${confirm}`, `/confirm/%2f${confirm}`]) await http(base, target);
    await new Promise((r) => setTimeout(r, 100));
    const text = serve.lines.join('\n');
    for (const t of [token, manage, confirm]) {
      expect(text).not.toContain(t);
      expect(text).not.toContain(t.slice(4, 30));
    }
    const masked = serve.lines.filter((l) => l.startsWith('request ') && /unsubscribe|manage|confirm/i.test(l));
    expect(masked.map((l) => / path=(\S+) /.exec(l)?.[1])).toEqual([...targets.map(() => '/unsubscribe/[token]'), '/manage/[token]', '/manage/[token]', '/confirm/[token]', '/confirm/[token]']);
  });

  it('writes control characters from a decoded path escaped, never raw', async () => {
    const answers = [await http(base, '/%1b[31mred%1b[0m'), await http(base, '/a%00b'), await http(base, '/%2e%2e/%1b]0;owned%07'), await http(base, '/%e2%80%aeevil')];
    expect(answers.map((a) => a.status)).toEqual([404, 400, 400, 404]);
    await new Promise((r) => setTimeout(r, 100));
    const text = serve.lines.join('\n');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    const requests = serve.lines.filter((l) => l.startsWith('request '));
    expect(requests).toEqual(
      expect.arrayContaining([
        'request method=GET path=/%1B%5B31mred%1B%5B0m status=404 bytes=511',
        'request method=GET path="/a\\u0000b" status=400 bytes=510',
        'request method=GET path="/../\\u001b]0;owned\\u0007" status=400 bytes=510',
        'request method=GET path=/%E2%80%AEevil status=404 bytes=511',
      ]),
    );
  });
});

describe('the line that ends a failed run', () => {
  // Three characters: below the four that redaction used to require.
  const PASSWORD = 'Zq9';
  let project: Project;
  let smtp: Smtp;

  beforeAll(async () => {
    // A server that echoes the credentials it refuses, as some do.
    smtp = await startSmtp({
      onAuth: (username, password) => smtpError(535, `Authentication failed for ${username} with password ${password}`),
    });
    project = makeProject({ articles: 'none', config: TEST_SHEET });
    project.article('story', { title: 'A story', date: '2025-08-20T09:00:00Z' });
    await project.addSubscribers(['ann@example.org']);
  });

  afterAll(() => smtp.close());

  const send = (format: string) =>
    runCli(['send', '--log-format', format], { cwd: project.dir, env: { SMTP_URL: `smtp://digest:${PASSWORD}@127.0.0.1:${smtp.port}`, BROADSHEET_SECRET: SECRET } });

  it('is redacted, however short the secret (text)', async () => {
    const r = await send('text');
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toBe('error [SMTP_NOT_CONFIGURED]: the SMTP server refused us: 535 Authentication failed for digest with password [redacted]; issue 1 stopped early: 0 accepted, 0 failed, 1 left for the next run (no attempt charged to those never offered)');
    expect((await recorded(project)).deliveries).toBe(1);
  });

  it('is one JSON object under --log-format json, redacted like every other line', async () => {
    const r = await send('json');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain(PASSWORD);
    const events = r.stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'error',
      event: 'failed',
      code: 'SMTP_NOT_CONFIGURED',
      message: 'the SMTP server refused us: 535 Authentication failed for digest with password [redacted]; issue 1 stopped early: 0 accepted, 0 failed, 1 left for the next run (no attempt charged to those never offered)',
      problems: [],
    });
  });
});
