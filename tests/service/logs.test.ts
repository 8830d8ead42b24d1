import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { CLOCK, makeProject, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

const PASSWORD = 'pa55-w0rd-never-logged';

describe('log lines', () => {
  it('are one line per event, text by default and JSON on request, with secrets redacted', () => {
    const lines: string[] = [];
    const options = { clock: CLOCK, write: (l: string) => lines.push(l), secrets: [PASSWORD, SECRET] };
    createLogger({ ...options, format: 'text' }).warn('delivery will be retried', { reply: `535 bad login for ${PASSWORD}`, attempt: 2 });
    createLogger({ ...options, format: 'json' }).error('tick failed', { error: `smtp://user:${PASSWORD}@mail\nsecret ${SECRET}` });
    expect(lines).toEqual([
      'warn: delivery will be retried reply="535 bad login for [redacted]" attempt=2\n',
      '{"time":"2025-09-01T07:00:00.000Z","level":"error","event":"tick failed","error":"smtp://user:[redacted]@mail\\nsecret [redacted]"}\n',
    ]);
  });
});

describe('a scheduled run with SMTP credentials', () => {
  let project: Project;
  let smtp: Smtp;
  const logins: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtp({
      onAuth(username, password) {
        logins.push(`${username}:${password}`);
        return password === PASSWORD ? undefined : smtpError(535, 'authentication failed');
      },
    });
    project = makeProject({ articles: 'none' });
    project.article('story', { title: 'A story', date: '2025-08-20T09:00:00Z' });
    await project.addSubscribers(['ann@example.org']);
  });

  afterAll(() => smtp.close());

  it.each(['text', 'json'])('never writes the password or the signing secret (--log-format %s)', async (format) => {
    const r = await runCli(['schedule', '--once', '--log-format', format], {
      cwd: project.dir,
      env: { SMTP_URL: `smtp://digest:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}`, BROADSHEET_SECRET: SECRET },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(logins).toContain(`digest:${PASSWORD}`);
    const lines = r.stderr.trim().split('\n');
    expect(lines.some((l) => l.includes('tick finished'))).toBe(true);
    if (format === 'json') for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });
});
