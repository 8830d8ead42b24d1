import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseOpml } from 'feedsmith';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import type { OutputFile } from '../../src/output/files.js';
import { tool } from '../helpers/tools.js';
import { exampleFeeds, fileText, withXml, xmllint, xpathString, xpathStrings } from '../helpers/feeds.js';
import { tempDir } from '../helpers/project.js';

const BASE = 'https://news.example.com/';
const FEED_FILE = /^(tags\/[a-z0-9-]+\/)?(rss\.xml|atom\.xml|feed\.json)$/;

let site: Site;
let files: OutputFile[];
beforeAll(async () => {
  ({ site, files } = await exampleFeeds());
});

describe('feeds.opml', () => {
  it('lists every subscription feed exactly once, and only feeds that exist', () => {
    const opml = fileText(files, 'feeds.opml');
    const listed = xpathStrings(opml, '//outline/@xmlUrl');
    const feeds = files.filter((f) => FEED_FILE.test(f.path)).map((f) => `${BASE}${f.path}`);
    expect(feeds).toHaveLength(3 + 14 * 3);
    expect([...listed].sort()).toEqual([...feeds].sort());
    expect(xpathString(opml, '/opml/@version')).toBe('2.0');
    expect(xpathString(opml, '/opml/head/title')).toBe('The Broadsheet: feeds');
    expect(xpathString(opml, "/opml/body/outline[@xmlUrl='https://news.example.com/rss.xml']/@version")).toBe('RSS2');
  });

  it('parses with feedsmith as OPML', () => {
    const parsed = parseOpml(fileText(files, 'feeds.opml'));
    expect(parsed.body?.outlines?.slice(0, 3).map((o) => o.xmlUrl)).toEqual([`${BASE}rss.xml`, `${BASE}atom.xml`, `${BASE}feed.json`]);
    expect(parsed.body?.outlines?.[3]?.text).toBe('Tags');
    expect(parsed.body?.outlines?.[3]?.outlines).toHaveLength(42);
  });
});

describe('feed-links.html', () => {
  it('announces the three formats with their media types', () => {
    expect(fileText(files, 'feed-links.html')).toBe(
      [
        `<link rel="alternate" type="application/rss+xml" title="The Broadsheet (RSS)" href="${BASE}rss.xml">`,
        `<link rel="alternate" type="application/atom+xml" title="The Broadsheet (Atom)" href="${BASE}atom.xml">`,
        `<link rel="alternate" type="application/feed+json" title="The Broadsheet (JSON Feed)" href="${BASE}feed.json">`,
        '',
      ].join('\n'),
    );
    expect(fileText(files, 'tags/cloud/feed-links.html')).toContain(`title="The Broadsheet: cloud (Atom)" href="${BASE}tags/cloud/atom.xml"`);
  });
});

describe('the XSL stylesheet', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it('is linked from rss.xml, atom.xml and the archive, by a path that resolves to feed.xsl', () => {
    for (const [p, href] of [
      ['rss.xml', 'feed.xsl'],
      ['atom.xml', 'feed.xsl'],
      ['archive/1.xml', '../feed.xsl'],
      ['tags/ai/atom.xml', '../../feed.xsl'],
    ] as const) {
      const text = fileText(files, p);
      expect(text.split('\n').slice(0, 2).join('\n')).toContain(`<?xml-stylesheet href="${href}" type="text/xsl"?>`);
      expect(new URL(href, `${BASE}${p}`).href).toBe(`${BASE}feed.xsl`);
    }
    expect(() => withXml(fileText(files, 'feed.xsl'), () => true)).not.toThrow();
  });

  it('turns each feed into a page that explains feeds and lists the items (xsltproc)', async () => {
    const lint = await xmllint(['--noout'], { 'feed.xsl': fileText(files, 'feed.xsl') });
    if (lint) expect(lint.status).toBe(0);
    if (!tool('xsltproc')) return;
    await writeFile(path.join(dir, 'feed.xsl'), fileText(files, 'feed.xsl'));
    // One summary with characters that are escaped twice in the feed (as HTML, then as XML).
    const entries = site.entries.map((e, i) => (i === 1 ? { ...e, description: 'Salt & <pepper> & &amp;' } : e));
    const spiced = renderFeeds({ ...site, entries });
    for (const p of ['rss.xml', 'atom.xml']) {
      await writeFile(path.join(dir, p), fileText(spiced, p));
      const r = spawnSync('xsltproc', [path.join(dir, 'feed.xsl'), path.join(dir, p)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const html = r.stdout;
      expect(html).toContain('<h2>This is a web feed</h2>');
      expect(html).toContain(`<code class="address">${BASE}${p}</code>`);
      expect(html).toContain('<h1>The Broadsheet</h1>');
      const titles = [...html.matchAll(/<h3><a href="([^"]+)">([^<]+)<\/a><\/h3>/g)].map((m) => [m[1], m[2]!.replace(/&amp;/g, '&')]);
      expect(titles).toEqual(site.entries.map((e) => [e.url, e.title]));
      const date = p === 'atom.xml' ? '2025-08-29' : '29 Aug 2025';
      expect(html).toContain(`<p class="meta">${date} · Broadsheet Newsroom</p>`);
      // Summaries are shown as the text they are: the page's HTML escapes them once, no more.
      expect(html).toContain('<p>Salt &amp; &lt;pepper&gt; &amp; &amp;amp;</p>');
    }
  });

  it('is left out, with its links, when feeds.stylesheet is false', () => {
    const off = renderFeeds({ ...site, config: { ...site.config, feeds: { ...site.config.feeds, stylesheet: false } } });
    expect(off.some((f) => f.path === 'feed.xsl')).toBe(false);
    for (const p of ['rss.xml', 'atom.xml', 'archive/1.xml']) expect(fileText(off, p)).not.toContain('xml-stylesheet');
  });
});
