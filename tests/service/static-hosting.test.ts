import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import { startCli, type RunningCli } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { http } from '../helpers/http.js';
import { CLOCK, makeProject, SECRET, type Project } from '../helpers/project.js';
import { headerValue, startSmtp, type Smtp } from '../helpers/smtp.js';
import { startStaticHost, type StaticHost } from '../helpers/static-host.js';

/**
 * A blog on a static host (site.url), and `broadsheet serve` on its own
 * address (server.publicUrl) for what a static host cannot answer. Both are
 * https addresses, as one-click unsubscribe requires; here a plain static
 * file server and serve stand behind them, as a CDN and a TLS proxy would.
 */
const BLOG = 'https://blog.example.test/';
const LIST = 'https://list.example.test/';

let project: Project;
let host: StaticHost;
let smtp: Smtp;
let serve: RunningCli;
let serveUrl: string;

beforeAll(async () => {
  project = makeProject();
  host = await startStaticHost(project.output);
  smtp = await startSmtp();
  project.configure((c) => {
    c.site.url = BLOG;
    c.server = { host: '127.0.0.1', port: 0, publicUrl: LIST };
  });
  const config = await project.loadConfig();
  expect(config.server.publicUrl).toBe(LIST);
  expect((await cli(['build'])).code).toBe(0);
  // The blog's own pages, which its site generator (not broadsheet) writes beside the feeds.
  const site = await loadSite(config, CLOCK);
  for (const url of [BLOG, ...site.entries.map((e) => e.url)]) project.write(path.join('output', new URL(url).pathname, 'index.html'), '<!doctype html><title>a page of the blog</title>\n');
  expect((await cli(['subscribers', 'add', 'reader@example.org'])).code).toBe(0);

  serve = startCli(['serve', '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
  serveUrl = (await serve.waitFor((e) => e.event === 'listening')).url as string;
  const send = await cli(['send'], { SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET });
  expect(send.stdout).toBe('issue 1: 1 accepted, 0 failed, 0 pending\nnot mailed: 0 pending confirmation, 0 unsubscribed, 0 bounced, 0 complained\n');
}, 120_000);

afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  await smtp?.close();
  await host?.close();
});

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: project.dir, env });

/** Every http(s) link a recipient can follow: the HTML's hrefs and image sources, the text part's URLs, the List-Unsubscribe header's. */
async function linksInTheDigest(): Promise<string[]> {
  const [mail] = await smtp.parsed();
  const $ = cheerio.load(mail!.html as string);
  const html = [...$('[href]').map((_, el) => $(el).attr('href')!), ...$('[src]').map((_, el) => $(el).attr('src')!)];
  const text = [...(mail!.text ?? '').matchAll(/https?:\/\/[^\s<>()"]+/g)].map((m) => m[0]);
  const header = [...headerValue(mail!, 'List-Unsubscribe').matchAll(/<(https?:[^>]+)>/g)].map((m) => m[1]!);
  return [...new Set([...html, ...text, ...header].filter((u) => /^https?:/.test(u)))].sort();
}

describe('a site on a static host with server.publicUrl', () => {
  it('sends a digest whose every link answers 200, from the static host or from serve', async () => {
    const links = await linksInTheDigest();
    const byHost = { static: [] as string[], serve: [] as string[] };
    for (const link of links) {
      const url = new URL(link);
      const origin = link.startsWith(BLOG) ? host.url : link.startsWith(LIST) ? serveUrl : undefined;
      expect(origin, `${link} points at neither the static host nor serve`).toBeDefined();
      const r = await http(origin!, `${url.pathname}${url.search}`);
      expect(r.status, link).toBe(200);
      (origin === host.url ? byHost.static : byHost.serve).push(url.pathname);
    }
    // Every kind of link is there: the blog's pages, the feeds, the issue's own page; and the reader's manage and unsubscribe links on serve.
    expect(byHost.static).toEqual(expect.arrayContaining(['/', '/2025/08/pentagon-ends-microsoft-china-based-support/', '/rss.xml', '/atom.xml', '/feed.json', '/issues/1/']));
    expect(byHost.serve).toHaveLength(2);
    expect(byHost.serve[0]).toMatch(/^\/manage\/[A-Za-z0-9_-]{40,}$/);
    expect(byHost.serve[1]).toMatch(/^\/unsubscribe\/[A-Za-z0-9_-]{40,}$/);
  });

  it('serves the issue pages from both with the same bytes, and unsubscribes with one click on serve', async () => {
    for (const [route, file] of [['/issues/1/', 'issues/1/index.html'], ['/issues/', 'issues/index.html'], ['/issues/latest.json', 'issues/latest.json']] as const) {
      expect((await http(serveUrl, route)).text).toBe(readFileSync(path.join(project.output, file), 'utf8'));
      expect((await http(host.url, route)).text).toBe(readFileSync(path.join(project.output, file), 'utf8'));
    }
    const [mail] = await smtp.parsed();
    const target = /<(http[^>]+)>/.exec(headerValue(mail!, 'List-Unsubscribe'))![1]!;
    expect(target.startsWith(`${LIST}unsubscribe/`)).toBe(true);
    const post = await http(serveUrl, new URL(target).pathname, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(post.status).toBe(200);
    expect((await cli(['subscribers', 'list'])).stdout).toMatch(/^reader@example\.org +unsubscribed /m);
  });

  it('validate warns about the unsubscribe links only when server.publicUrl is not set', async () => {
    const withUrl = await cli(['validate']);
    expect(withUrl.code).toBe(0);
    expect(withUrl.stderr).not.toContain('server.publicUrl');

    project.write('unset.yaml', project.read('broadsheet.config.yaml').replace(/ {2}publicUrl: .*\n/, ''));
    const without = await cli(['validate', '--config', 'unset.yaml']);
    expect(without.code).toBe(0);
    expect(without.stderr).toBe(
      `warn: unset.yaml: server.publicUrl: is not set, so the digest's unsubscribe and manage links and the subscribe form point at ${BLOG}, where only broadsheet serve answers them; ` +
        'on a static host set server.publicUrl to the address where serve runs, or to site.url if serve serves the whole site\n',
    );
  });
});
