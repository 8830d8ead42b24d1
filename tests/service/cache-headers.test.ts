import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadSite } from '../../src/content/load.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { createLogger } from '../../src/log.js';
import type { OutputFile } from '../../src/output/files.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { http } from '../helpers/http.js';
import { makeProject, type Project } from '../helpers/project.js';

/**
 * Caching hints: `serve` sends long-lived immutable Cache-Control for
 * archived pages, a short max-age for feeds, and no-cache for the rest; the
 * `_headers` file a build writes for Netlify and Cloudflare Pages says the same.
 */

const clock = fixedClock('2025-09-01T07:00:00Z');
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=300';

let project: Project;
let store: Store;
let server: RunningServer;
let files: OutputFile[];

beforeAll(async () => {
  // The example site's 7 entries, one per feed and two per archive page: pages 1 to 3 archived, page 4 filling.
  project = makeProject({ config: (c) => (c.feeds = { ...c.feeds, items: 1, archivePageSize: 2 }) });
  const config = await project.loadConfig();
  files = renderFeeds(await loadSite(config, clock));
  for (const f of files) {
    const target = path.join(config.paths.output, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content);
  }
  mkdirSync(config.paths.data, { recursive: true });
  store = await openStore(config.paths.data);
  const log = createLogger({ format: 'text', clock, write: () => {} });
  server = await startServer({ config, clock, log, store, secret: undefined, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  project?.cleanup();
});

const cacheControl = async (p: string, headers: Record<string, string> = {}) => {
  const r = await http(server.url, p, { headers });
  expect(r.status, p).toBe(200);
  return r.headers['cache-control'];
};

describe('serve: Cache-Control', () => {
  it('an archived page is immutable; the page being filled and every feed are kept for minutes; the rest is revalidated', async () => {
    for (const p of ['/archive/1.xml', '/archive/2.xml', '/archive/3.xml']) expect(await cacheControl(p), p).toBe(IMMUTABLE);
    for (const p of ['/archive/4.xml', '/rss.xml', '/atom.xml', '/feed.json', '/tags/cloud/rss.xml', '/tags/cloud/atom.xml', '/tags/cloud/feed.json']) {
      expect(await cacheControl(p), p).toBe(SHORT);
    }
    for (const p of ['/feeds.opml', '/tags.opml', '/feed.xsl', '/feed-links.html', '/_headers']) {
      expect(await cacheControl(p), p).toBe('no-cache');
    }
  });

  it('the same for a browser (the feed as application/xml) and on a 304', async () => {
    expect(await cacheControl('/archive/1.xml', { Accept: 'text/html' })).toBe(IMMUTABLE);
    const first = await http(server.url, '/archive/1.xml');
    const again = await http(server.url, '/archive/1.xml', { headers: { 'If-None-Match': first.headers.etag as string } });
    expect([again.status, again.headers['cache-control']]).toEqual([304, IMMUTABLE]);
  });

  it('only the archive mark in the feed head counts, not one quoted in an entry', async () => {
    const page = files.find((f) => f.path === 'archive/4.xml')!;
    const quoted = Buffer.from(page.content).toString('utf8').replace('<summary type="html">', '<summary type="html">&lt;fh:archive/&gt; <![CDATA[<fh:archive/>]]> ');
    writeFileSync(path.join(project.output, 'archive/99.xml'), quoted);
    expect(await cacheControl('/archive/99.xml')).toBe(SHORT);
  });
});

describe('_headers (Netlify, Cloudflare Pages)', () => {
  it('names, for each file it covers, what serve sends, with no rule overlapping another', async () => {
    const text = Buffer.from(files.find((f) => f.path === '_headers')!.content).toString('utf8');
    const rules = [...text.matchAll(/^(\/\S*)\n {2}Cache-Control: (.+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(rules.map(([p]) => p)).toEqual(['/rss.xml', '/atom.xml', '/feed.json', '/tags/*', '/archive/4.xml', '/archive/1.xml', '/archive/2.xml', '/archive/3.xml']);
    const covered = new Set<string>();
    for (const [pattern, value] of rules) {
      const matching = files.map((f) => `/${f.path}`).filter((p) => (pattern.endsWith('*') ? p.startsWith(pattern.slice(0, -1)) : p === pattern));
      expect(matching.length, pattern).toBeGreaterThan(0);
      for (const p of matching) {
        expect(covered.has(p), `${p} is named by two rules`).toBe(false);
        covered.add(p);
        // One rule covers the tags folder, so its feed-links.html snippets get the feeds' minutes, where serve revalidates them.
        expect(await cacheControl(p), p).toBe(p.endsWith('/feed-links.html') ? 'no-cache' : value);
      }
    }
  });

  it('carries site.url’s path, and is not written when output.headers is false', async () => {
    const config = await project.loadConfig();
    const site = await loadSite({ ...config, site: { ...config.site, url: 'https://example.org/news/' } }, clock);
    const text = Buffer.from(renderFeeds(site).find((f) => f.path === '_headers')!.content).toString('utf8');
    expect(text).toContain('\n/news/rss.xml\n  Cache-Control: public, max-age=300\n');
    expect(text).toContain('\n/news/archive/1.xml\n  Cache-Control: public, max-age=31536000, immutable\n');
    const off = renderFeeds({ ...site, config: { ...site.config, output: { ...site.config.output, headers: false } } });
    expect(off.some((f) => f.path === '_headers')).toBe(false);
  });

});
