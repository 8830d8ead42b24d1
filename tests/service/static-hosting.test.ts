import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { loadSite } from '../../src/content/load.js';
import { runCli as runCliAsync, SECRET, startSmtp, type Smtp } from '../delivery/helpers.js';
import { startCli, type RunningCli } from '../helpers/child.js';
import { http } from '../helpers/http.js';
import { makeProject, runCli, type Project } from '../helpers/project.js';
import { freePort, startStaticHost, type StaticHost } from '../helpers/static-host.js';

/**
 * A blog on a static host (site.url), and `broadsheet serve` on its own
 * address (server.publicUrl) for what a static host cannot answer.
 */
let project: Project;
let host: StaticHost;
let smtp: Smtp;
let serve: RunningCli;
let listUrl: string;

beforeAll(async () => {
  const port = await freePort();
  listUrl = `http://127.0.0.1:${port}/`;
  project = makeProject();
  host = await startStaticHost(project.output);
  project.write(
    'broadsheet.config.yaml',
    project.read('broadsheet.config.yaml').replace('url: https://news.example.com/', `url: ${host.url}`).replace(/server:\n(?: {2}.*\n)*/, `server:\n  host: 127.0.0.1\n  port: ${port}\n  publicUrl: ${listUrl}\n`),
  );
  const config = await loadConfig(project.config);
  expect(config.site.url).toBe(host.url);
  expect(config.server.publicUrl).toBe(listUrl);

  expect(runCli(['build', '--config', project.config]).status).toBe(0);
  // The blog's own pages, which its site generator (not broadsheet) writes beside the feeds.
  const site = await loadSite(config, fixedClock('2026-01-01T00:00:00Z'));
  for (const url of [host.url, ...site.entries.map((e) => e.url)]) project.write(path.join('output', new URL(url).pathname, 'index.html'), '<!doctype html><title>a page of the blog</title>\n');
  expect(runCli(['subscribers', 'add', 'reader@example.org', '--config', project.config]).status).toBe(0);

  smtp = await startSmtp();
  serve = startCli(['serve', '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
  expect((await serve.waitFor((e) => e.event === 'listening')).url).toBe(listUrl);
  // Not spawnSync: the SMTP server runs on this thread.
  const send = await runCliAsync(['send'], { cwd: project.dir, env: { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET } });
  expect(send.stdout).toBe('issue 1: 1 accepted, 0 failed, 0 pending\n');
}, 120_000);

afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  await smtp?.close();
  await host?.close();
  project?.cleanup();
});

/** Every http(s) link a recipient can follow: the HTML's hrefs and image sources, the text part's URLs, the List-Unsubscribe header's. */
async function linksInTheDigest(): Promise<string[]> {
  const [mail] = await smtp.parsed();
  const $ = cheerio.load(mail!.html as string);
  const html = [...$('[href]').map((_, el) => $(el).attr('href')!), ...$('[src]').map((_, el) => $(el).attr('src')!)];
  const text = [...(mail!.text ?? '').matchAll(/https?:\/\/[^\s<>()"]+/g)].map((m) => m[0]);
  const header = [...(mail!.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '').matchAll(/<(https?:[^>]+)>/g)].map((m) => m[1]!);
  return [...new Set([...html, ...text, ...header].filter((u) => /^https?:/.test(u)))].sort();
}

describe('a site on a static host with server.publicUrl', () => {
  it('sends a digest whose every link answers 200, from the static host or from serve', async () => {
    const links = await linksInTheDigest();
    const byHost = { static: [] as string[], serve: [] as string[] };
    for (const link of links) {
      const url = new URL(link);
      const base = link.startsWith(host.url) ? host.url : link.startsWith(listUrl) ? listUrl : undefined;
      expect(base, `${link} points at neither the static host nor serve`).toBeDefined();
      const r = await http(base!, `${url.pathname}${url.search}`);
      expect(r.status, link).toBe(200);
      (base === host.url ? byHost.static : byHost.serve).push(url.pathname);
    }
    // Every kind of link is there: the blog's pages, the feeds, the issue's own page; and the unsubscribe link on serve.
    expect(byHost.static).toEqual(expect.arrayContaining(['/', '/2025/08/pentagon-ends-microsoft-china-based-support/', '/rss.xml', '/atom.xml', '/feed.json', '/issues/1/']));
    expect(byHost.serve).toHaveLength(1);
    expect(byHost.serve[0]).toMatch(/^\/unsubscribe\/[A-Za-z0-9_-]{40,}$/);
  });

  it('serves the issue pages from both with the same bytes, and unsubscribes with one click on serve', async () => {
    for (const [route, file] of [['/issues/1/', 'issues/1/index.html'], ['/issues/', 'issues/index.html'], ['/issues/latest.json', 'issues/latest.json']] as const) {
      expect((await http(listUrl, route)).text).toBe(readFileSync(path.join(project.output, file), 'utf8'));
      expect((await http(host.url, route)).text).toBe(readFileSync(path.join(project.output, file), 'utf8'));
    }
    const [mail] = await smtp.parsed();
    const target = /<(http[^>]+)>/.exec(mail!.headerLines.find((h) => h.key === 'list-unsubscribe')!.line)![1]!;
    expect(target.startsWith(`${listUrl}unsubscribe/`)).toBe(true);
    const post = await http(listUrl, new URL(target).pathname, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(post.status).toBe(200);
    expect(runCli(['subscribers', 'list', '--config', project.config]).stdout).toMatch(/^reader@example\.org +unsubscribed /m);
  });

  it('validate warns about the unsubscribe links only when server.publicUrl is not set', () => {
    const withUrl = runCli(['validate', '--config', project.config]);
    expect(withUrl.status).toBe(0);
    expect(withUrl.stderr).not.toContain('server.publicUrl');

    project.write('unset.yaml', project.read('broadsheet.config.yaml').replace(/ {2}publicUrl: .*\n/, ''));
    const without = runCli(['validate', '--config', path.join(project.dir, 'unset.yaml')]);
    expect(without.status).toBe(0);
    expect(without.stderr).toBe(
      `warn: unset.yaml: server.publicUrl: is not set, so the digest's unsubscribe links point at ${host.url}unsubscribe/…, which only broadsheet serve answers; ` +
        'on a static host set server.publicUrl to the address where serve runs, or to site.url if serve serves the whole site\n',
    );
  });
});
