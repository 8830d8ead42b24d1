import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseOpml } from 'feedsmith';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import type { OutputFile } from '../../src/output/files.js';
import { tool } from '../helpers/tools.js';
import { exampleFeeds, fileText, withXml, xmllint, xpathCount, xpathString, xpathStrings } from '../helpers/feeds.js';
import { tempDir } from '../helpers/project.js';

const BASE = 'https://news.example.com/';

let site: Site;
let files: OutputFile[];
/** The example site with one entry per subscription feed and archive pages of two: three archived pages and one filling. */
let paged: OutputFile[];
const pagedConfig = (s: Site, feeds: Partial<Site['config']['feeds']> = {}) => ({ ...s.config, feeds: { ...s.config.feeds, items: 1, archivePageSize: 2, ...feeds } });
beforeAll(async () => {
  ({ site, files } = await exampleFeeds());
  paged = renderFeeds({ ...site, config: pagedConfig(site) });
});

describe('feeds.opml and tags.opml', () => {
  it('feeds.opml lists the site feed once, in the primary format (atom by default), with a type', () => {
    const opml = fileText(files, 'feeds.opml');
    expect(xpathString(opml, '/opml/@version')).toBe('2.0');
    expect(xpathString(opml, '/opml/head/title')).toBe('The Broadsheet: feeds');
    expect(xpathStrings(opml, '//outline/@xmlUrl')).toEqual([`${BASE}atom.xml`]);
    expect(xpathStrings(opml, '//outline/@type')).toEqual(['rss']);
    expect(xpathCount(opml, '//outline[@version]')).toBe(0);
    expect(xpathCount(opml, '/opml/head/docs')).toBe(0);
  });

  it('tags.opml lists every tag feed once, in the same format, each outline typed', () => {
    const opml = fileText(files, 'tags.opml');
    const tagFeeds = files.filter((f) => /^tags\/[a-z0-9-]+\/atom\.xml$/.test(f.path)).map((f) => `${BASE}${f.path}`);
    expect(tagFeeds).toHaveLength(14);
    expect(xpathStrings(opml, '//outline/@xmlUrl')).toEqual(tagFeeds);
    expect(xpathCount(opml, '//outline')).toBe(14);
    expect(xpathCount(opml, "//outline[@type='rss' and @title and @text]")).toBe(14);
    expect(xpathString(opml, "//outline[@xmlUrl='https://news.example.com/tags/cloud/atom.xml']/@title")).toBe('The Broadsheet: cloud');
  });

  it('feeds.primary picks the format; RSS outlines name their version', () => {
    const rss = renderFeeds({ ...site, config: { ...site.config, feeds: { ...site.config.feeds, primary: 'rss' } } });
    const opml = fileText(rss, 'feeds.opml');
    expect(xpathStrings(opml, '//outline/@xmlUrl')).toEqual([`${BASE}rss.xml`]);
    expect(xpathString(opml, '//outline/@version')).toBe('RSS2');
    expect(xpathStrings(fileText(rss, 'tags.opml'), '//outline/@xmlUrl').every((u) => u.endsWith('/rss.xml'))).toBe(true);
    expect(fileText(rss, 'feed-links.html').split('\n')[0]).toContain('type="application/rss+xml"');
  });

  it('text is HTML in OPML: a tag named "R&D <lab>" is escaped as HTML, then as XML', () => {
    const entries = site.entries.map((e, i) => (i === 0 ? { ...e, tags: ['R&D <lab>'] } : e));
    const opml = fileText(renderFeeds({ ...site, entries }), 'tags.opml');
    expect(xpathString(opml, "//outline[contains(@xmlUrl, '/r-and-d-lab/')]/@text")).toBe('The Broadsheet: R&amp;D &lt;lab&gt;');
    expect(opml).toContain('text="The Broadsheet: R&amp;amp;D &amp;lt;lab&amp;gt;"');
  });

  it('parses with feedsmith as OPML', () => {
    const parsed = parseOpml(fileText(files, 'feeds.opml'));
    expect(parsed.body?.outlines?.map((o) => [o.type, o.xmlUrl])).toEqual([['rss', `${BASE}atom.xml`]]);
    expect(parseOpml(fileText(files, 'tags.opml')).body?.outlines).toHaveLength(14);
  });

  it('tags.opml is not written without tag feeds', () => {
    const off = renderFeeds({ ...site, config: { ...site.config, feeds: { ...site.config.feeds, tags: false } } });
    expect(off.some((f) => f.path === 'tags.opml')).toBe(false);
  });
});

describe('feed-links.html', () => {
  it('announces the three formats with their media types, the primary first', () => {
    expect(fileText(files, 'feed-links.html')).toBe(
      [
        `<link rel="alternate" type="application/atom+xml" title="The Broadsheet (Atom)" href="${BASE}atom.xml">`,
        `<link rel="alternate" type="application/rss+xml" title="The Broadsheet (RSS)" href="${BASE}rss.xml">`,
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
      const text = fileText(paged, p);
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

  it('on an archive page, gives the subscription feed as the address to subscribe to, not the page (xsltproc)', async () => {
    if (!tool('xsltproc')) return;
    await writeFile(path.join(dir, 'feed.xsl'), fileText(files, 'feed.xsl'));
    for (const p of ['archive/1.xml', 'archive/4.xml']) {
      const file = path.join(dir, p.replace('/', '-'));
      await writeFile(file, fileText(paged, p));
      const r = spawnSync('xsltproc', [path.join(dir, 'feed.xsl'), file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`<code class="address">${BASE}atom.xml</code>`);
      expect(r.stdout).not.toContain(`${BASE}${p}`);
      expect(r.stdout).toContain("This page is part of the feed's archive");
    }
    await writeFile(path.join(dir, 'subscription.xml'), fileText(paged, 'atom.xml'));
    const r = spawnSync('xsltproc', [path.join(dir, 'feed.xsl'), path.join(dir, 'subscription.xml')], { encoding: 'utf8' });
    expect(r.stdout).toContain(`<code class="address">${BASE}atom.xml</code>`);
    expect(r.stdout).not.toContain("part of the feed's archive");
  });

  it('is left out, with its links, when feeds.stylesheet is false', () => {
    const off = renderFeeds({ ...site, config: pagedConfig(site, { stylesheet: false }) });
    expect(off.some((f) => f.path === 'feed.xsl')).toBe(false);
    for (const p of ['rss.xml', 'atom.xml', 'archive/1.xml']) expect(fileText(off, p)).not.toContain('xml-stylesheet');
  });
});
