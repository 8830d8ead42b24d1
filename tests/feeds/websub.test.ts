import type { Config } from '../../src/config/load.js';
import { publicUrls } from '../../src/config/urls.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCommand } from '../../src/commands/build.js';
import { loadSite } from '../../src/content/load.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { changedFeedUrls, pingHubs } from '../../src/feeds/websub.js';
import { commandContext as context } from '../helpers/cli.js';
import { AT_BASE, BASE } from '../helpers/feeds.js';
import { CLOCK, makeProject, type Project } from '../helpers/project.js';

/** A WebSub hub on 127.0.0.1: records every publish ping; answers with the statuses it is given, then 204. */
class Hub {
  readonly pings: { mode: string | null; url: string | null; type: string | undefined }[] = [];
  private server: Server;
  private answers: number[] = [];
  url = '';

  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        this.pings.push({ mode: form.get('hub.mode'), url: form.get('hub.url'), type: req.headers['content-type'] });
        res.statusCode = this.answers.shift() ?? 204;
        res.end();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hub`;
  }

  answer(...statuses: number[]): void {
    this.answers.push(...statuses);
  }

  reset(): void {
    this.pings.length = 0;
    this.answers.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const feedsOf = (dir: string) => ['rss.xml', 'atom.xml', 'feed.json'].map((f) => `${BASE}${dir}${f}`);

describe('WebSub pings after a build', () => {
  const hub = new Hub();
  let project: Project;

  beforeAll(async () => {
    await hub.start();
    project = makeProject({
      articles: 'none',
      config: (c) => {
        AT_BASE(c);
        c.feeds.hubs = [hub.url];
      },
    });
    project.article('one', { title: 'One', description: 'First', date: '2025-08-01', tags: ['alpha', 'beta'], body: 'Body one.\n' });
    project.article('two', { title: 'Two', description: 'Second', date: '2025-08-02', tags: ['gamma'], body: 'Body two.\n' });
  });
  afterEach(() => hub.reset());
  afterAll(() => hub.stop());

  it('the feeds announce the hub', async () => {
    await buildCommand.run(context(project.configFile, []));
    const out = project.output;
    expect(await readFile(path.join(out, 'atom.xml'), 'utf8')).toContain(`<link rel="hub" href="${hub.url}"/>`);
    expect(await readFile(path.join(out, 'tags/alpha/rss.xml'), 'utf8')).toContain(`<atom:link href="${hub.url}" rel="hub"/>`);
    expect(JSON.parse(await readFile(path.join(out, 'feed.json'), 'utf8')).hubs).toEqual([{ type: 'WebSub', url: hub.url }]);
    // Archive pages never change, so they announce no hub: a site small enough to archive one page of one entry.
    const site = await loadSite(await project.loadConfig(), CLOCK);
    const paged = renderFeeds({ ...site, config: { ...site.config, feeds: { ...site.config.feeds, items: 1, archivePageSize: 1 } } });
    const archive = paged.filter((f) => f.path.startsWith('archive/')).map((f) => Buffer.from(f.content).toString('utf8'));
    expect(archive).toHaveLength(2);
    expect(archive[0]).toContain('<fh:archive/>');
    for (const page of archive) expect(page).not.toContain('rel="hub"');
  });

  it('pings exactly once per changed feed, none for unchanged ones', async () => {
    // Edit "two": the site feeds and the gamma feeds change; alpha and beta do not.
    project.article('two', { title: 'Two, corrected', description: 'Second', date: '2025-08-02', tags: ['gamma'], body: 'Body two.\n' });
    const out: string[] = [];
    expect(await buildCommand.run(context(project.configFile, out))).toBe(0);
    const expected = [...feedsOf(''), ...feedsOf('tags/gamma/')].sort();
    expect(hub.pings.map((p) => p.url).sort()).toEqual(expected);
    expect(hub.pings.every((p) => p.mode === 'publish' && p.type === 'application/x-www-form-urlencoded')).toBe(true);
    expect(out).toContain('  pinged    1 hub(s) for 6 changed feed(s): 6 ok, 0 failed');
  });

  it('pings nothing when a build changes no feed', async () => {
    const out: string[] = [];
    expect(await buildCommand.run(context(project.configFile, out))).toBe(0);
    expect(hub.pings).toEqual([]);
    expect(out.some((l) => l.includes('pinged'))).toBe(false);
  });

  it('a hub that keeps failing is reported and does not fail the build', async () => {
    project.article('one', { title: 'One, again', description: 'First', date: '2025-08-01', tags: ['alpha'], body: 'Body one.\n' });
    hub.answer(...Array(100).fill(400));
    const out: string[] = [];
    expect(await buildCommand.run(context(project.configFile, out))).toBe(0);
    // The site's and alpha's feeds changed; beta lost its only entry, so it has no feed left to announce.
    expect(hub.pings.map((p) => p.url).sort()).toEqual([...feedsOf(''), ...feedsOf('tags/alpha/')].sort());
    expect(out).toContain('  pinged    1 hub(s) for 6 changed feed(s): 0 ok, 6 failed');
    expect(out).toContain(`warn: websub ping failed hub=${hub.url} feed=${BASE}atom.xml attempts=1 error="HTTP 400"`);
  });
});

describe('pingHubs', () => {
  const hub = new Hub();
  beforeAll(() => hub.start());
  afterEach(() => hub.reset());
  afterAll(() => hub.stop());

  it('retries 5xx and 429 with backoff until the hub accepts', async () => {
    hub.answer(503, 429);
    const report = await pingHubs({ hubs: [hub.url], feeds: ['https://x.example/rss.xml'], backoffMs: 5 });
    expect(report).toEqual({ sent: [{ hub: hub.url, feed: 'https://x.example/rss.xml', attempts: 3, status: 204 }], failed: [] });
    expect(hub.pings).toHaveLength(3);
  });

  it('gives up after the last attempt and reports why', async () => {
    hub.answer(500, 500, 500);
    const report = await pingHubs({ hubs: [hub.url], feeds: ['https://x.example/rss.xml'], backoffMs: 5 });
    expect(report.failed).toEqual([{ hub: hub.url, feed: 'https://x.example/rss.xml', attempts: 3, error: 'HTTP 500' }]);
  });

  it('reports a hub nobody listens on', async () => {
    const closed = new Hub();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const report = await pingHubs({ hubs: [url], feeds: ['https://x.example/rss.xml'], attempts: 2, backoffMs: 5 });
    expect(report.failed).toEqual([{ hub: url, feed: 'https://x.example/rss.xml', attempts: 2, error: 'ECONNREFUSED' }]);
  });

  it('only subscription feeds count as changed: not archive pages, snippets or images', () => {
    const written = ['rss.xml', 'archive/3.xml', 'tags/ai/feed.json', 'tags/ai/feed-links.html', 'feed.xsl', 'images/a.png', 'feeds.opml'];
    expect(changedFeedUrls(publicUrls({ site: { url: 'https://x.example/' } } as Config), written)).toEqual(['https://x.example/rss.xml', 'https://x.example/tags/ai/feed.json']);
  });
});
