import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/child.js';
import { http } from '../helpers/http.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { headerValue, startSmtp, type Smtp } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp;
let serve: RunningCli;
let base: string;

const subscriber = async (email: string) => {
  const store = await project.store();
  try {
    return (await store.getSubscriber(email));
  } finally {
    await store.close();
  }
};

beforeAll(async () => {
  project = makeProject({ articles: 'none', config: (c) => (c.schedule = { cron: '*/1 * * * * *', timezone: 'UTC' }) });
  project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(['ann@example.org', 'bo@example.net']);
  smtp = await startSmtp();
  serve = startCli(['serve', '--schedule', '--port', '0', '--log-format', 'json'], { cwd: project.dir, env: { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET } });
  base = (await serve.waitFor((e) => e.event === 'listening')).url as string;
});

afterAll(async () => {
  if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
  await smtp.close();
});

describe('broadsheet serve --schedule', () => {
  it('serves what the schedule builds and sends: the archive, the view-in-browser page and working unsubscribe links', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await serve.waitFor((e) => e.event === 'tick finished' && e.digest === 'sent' && e.issue === 1);
    expect(smtp.received).toHaveLength(2);

    const digest = await http(base, '/digest.html');
    expect(digest.status).toBe(200);
    expect(digest.headers['content-type']).toBe('text/html; charset=utf-8');
    const archive = await http(base, '/issues/');
    expect(archive.text).toContain('<a href="1/">No. 1: The Broadsheet: First story</a>');
    const issue = await http(base, '/issues/1/');
    expect(issue.status).toBe(200);
    expect(issue.text).toContain('First story');

    // The link a subscriber got, at the same path on this server.
    const mail = (await smtp.parsed()).find((m) => JSON.stringify(m.to).includes('bo@example.net'))!;
    const link = /<https:\/\/news\.example\.com(\/unsubscribe\/[A-Za-z0-9_-]+)>/.exec(headerValue(mail, 'List-Unsubscribe'))?.[1];
    expect(link).toBeDefined();
    expect(mail.html).toContain(`https://news.example.com${link}`);
    expect(mail.html).toContain('https://news.example.com/issues/1/');

    const confirm = await http(base, link!);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('<button type="submit">Unsubscribe</button>');
    expect((await subscriber('bo@example.net'))?.status).toBe('subscribed');

    const done = await http(base, link!, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(done.status).toBe(200);
    expect((await subscriber('bo@example.net'))?.status).toBe('unsubscribed');
    expect((await subscriber('ann@example.org'))?.status).toBe('subscribed');

    // The next issue goes only to the one still subscribed.
    project.article('second-story', { title: 'Second story', date: '2025-08-25T09:00:00Z' });
    const second = await serve.waitFor((e) => e.event === 'tick finished' && e.digest === 'sent' && e.issue === 2);
    expect(second).toMatchObject({ accepted: 1, failed: 0, pending: 0 });
    expect(smtp.received.slice(2).map((r) => r.to)).toEqual([['ann@example.org']]);

    expect(serve.lines.join('\n')).not.toContain(link!.split('/').pop()!);
    expect(serve.lines.join('\n')).not.toContain(SECRET);
    expect(serve.events.some((e) => e.event === 'request' && e.path === '/unsubscribe/[token]' && e.status === 200)).toBe(true);
  });

  it('a second serve --schedule on the same data folder is refused before it listens', async () => {
    const second = startCli(['serve', '--schedule', '--port', '0', '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    expect((await second.exited).code).toBe(1);
    expect(second.events.some((e) => e.event === 'failed' && e.code === 'LOCKED' && String(e.message).startsWith('another broadsheet schedule'))).toBe(true);
    expect(second.events.some((e) => e.event === 'listening')).toBe(false);
  });

  it('stops on SIGTERM: the server and the schedule end, exit 0', async () => {
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(serve.events.map((e) => e.event)).toEqual(expect.arrayContaining(['shutting down', 'schedule stopped', 'server stopped']));
    await expect(http(base, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
