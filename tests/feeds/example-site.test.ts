import { beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import type { OutputFile } from '../../src/output/files.js';
import {
  atomRelaxNgErrors,
  atomSchematronErrors,
  exampleFeeds,
  feedparser,
  fileText,
  jsonFeedErrors,
  withXml,
  xmllint,
  xpathCount,
  xpathString,
  xpathStrings,
  SCHEMAS,
  type FeedparserResult,
} from '../helpers/feeds.js';
import path from 'node:path';

// The example site: one lead story with six related teasers (issue 2's "Done when").
const SITE = 'https://news.example.com/';
const EXPECTED = [
  { slug: 'pentagon-ends-microsoft-china-based-support', date: '2025-08-29T14:30:00Z', title: "Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud", teaser: false },
  { slug: 'from-chip-war-to-cloud-war', date: '2025-08-27T09:00:00Z', title: 'From Chip War To Cloud War: The Next Frontier In Global Tech Competition', teaser: true },
  { slug: 'high-stakes-of-tech-regulation', date: '2025-08-26T09:00:00Z', title: 'The High Stakes Of Tech Regulation: Security Risks And Market Dynamics', teaser: true },
  { slug: 'tyranny-of-instagram-interiors', date: '2025-08-25T09:00:00Z', title: "The Tyranny Of Instagram Interiors: Why It's Time To Break Free From Algorithm-Driven Aesthetics", teaser: true },
  { slug: 'data-crunch-in-ai', date: '2025-08-22T09:00:00Z', title: 'The Data Crunch In AI: Strategies For Sustainability', teaser: true },
  { slug: 'google-abandons-cookie-removal', date: '2025-08-21T09:00:00Z', title: 'Google Abandons Four-Year Effort To Remove Cookies From Chrome Browser', teaser: true },
  { slug: 'linkedin-ai-gamification', date: '2025-08-20T09:00:00Z', title: 'LinkedIn Embraces AI And Gamification To Drive User Engagement And Revenue', teaser: true },
].map((e) => ({ ...e, url: `${SITE}${e.date.slice(0, 4)}/${e.date.slice(5, 7)}/${e.slug}/` }));

let site: Site;
let files: OutputFile[];
let rss: string;
let atom: string;
let json: string;
let parsed: Record<string, FeedparserResult> | undefined;
/** The lead's body in every format: its standfirst (not its first paragraph), then the article. */
let leadContent: string;

beforeAll(async () => {
  ({ site, files } = await exampleFeeds());
  rss = fileText(files, 'rss.xml');
  atom = fileText(files, 'atom.xml');
  json = fileText(files, 'feed.json');
  parsed = await feedparser({ 'rss.xml': rss, 'atom.xml': atom });
  leadContent = `<p><em>${site.entries[0]!.description}</em></p>\n${site.entries[0]!.html}`;
});

describe('example site feeds: well-formed and valid', () => {
  it('rss.xml and atom.xml are well-formed for libxml2 (wasm) and xmllint', async () => {
    expect(() => withXml(rss, () => true)).not.toThrow();
    expect(() => withXml(atom, () => true)).not.toThrow();
    const lint = await xmllint(['--noout'], { 'rss.xml': rss, 'atom.xml': atom });
    if (lint) expect(lint).toEqual({ status: 0, stderr: '' });
  });

  it('atom.xml is valid against atom.rng and atom-rules.sch (xmllint and wasm)', async () => {
    expect(await atomRelaxNgErrors(atom)).toEqual([]);
    expect(atomSchematronErrors(atom)).toEqual([]);
    const rng = await xmllint(['--noout', '--relaxng', path.join(SCHEMAS, 'atom.rng')], { 'atom.xml': atom });
    if (rng) expect(rng.status, rng.stderr).toBe(0);
    const sch = await xmllint(['--noout', '--schematron', path.join(SCHEMAS, 'atom-rules.sch')], { 'atom.xml': atom });
    if (sch) expect(sch.status, sch.stderr).toBe(0);
  });

  it('feed.json is valid JSON Feed 1.1 (published schema, ajv)', async () => {
    expect(await jsonFeedErrors(json)).toEqual([]);
    const feed = JSON.parse(json);
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.language).toBe('en');
    expect(feed.authors).toEqual([{ name: 'Broadsheet Newsroom', url: 'mailto:newsroom@news.example.com' }]);
    expect(feed).not.toHaveProperty('author');
  });
});

describe('example site feeds: feedparser sees every entry right', () => {
  it('parses rss.xml and atom.xml with bozo 0 and the feed title, link and language', () => {
    if (!parsed) return;
    for (const name of ['rss.xml', 'atom.xml']) {
      const p = parsed[name]!;
      expect(p.bozo, `${name}: ${p.bozo_exception}`).toBe(0);
      expect(p.title).toBe('The Broadsheet');
      expect(p.link).toBe(SITE);
      expect(p.entries).toHaveLength(7);
    }
    expect(parsed['rss.xml']!.version).toBe('rss20');
    expect(parsed['atom.xml']!.version).toBe('atom10');
    expect(parsed['rss.xml']!.language).toBe('en');
    expect(parsed['atom.xml']!.language).toBe('en');
    expect(parsed['atom.xml']!.updated).toBe('2025-08-29T14:30:00Z');
  });

  it('title, link, id, dates, author and content of each of the 7 entries, newest first', () => {
    if (!parsed) return;
    const lead = site.entries[0]!;
    for (const name of ['rss.xml', 'atom.xml']) {
      parsed[name]!.entries.forEach((e, i) => {
        const want = EXPECTED[i]!;
        const where = `${name} entry ${i}`;
        expect(e.title, where).toBe(want.title);
        expect(e.link, where).toBe(want.url);
        expect(e.id, where).toBe(want.url);
        expect(e.published, where).toBe(want.date);
        if (name !== 'rss.xml') expect(e.updated, where).toBe(want.date);
        expect(e.authors, where).toEqual(['Broadsheet Newsroom']);
        const content = e.content[0] ?? '';
        if (want.teaser) {
          expect(content, where).toContain(`<p>${site.bySlug.get(want.slug)!.description}</p>`);
          expect(content, where).toContain(`<a href="${want.url}">Read more</a>`);
        } else {
          expect(content, where).toContain('<p>Defense secretary Pete Hegseth announced the change in policy Thursday.');
          expect(content, where).toContain('<h2>How many more straws can this camel handle?</h2>');
          expect(content.length, where).toBeGreaterThan(lead.html.length * 0.95);
        }
      });
    }
  });
});

describe('JSON Feed details', () => {
  it('items: ids, urls, titles, dates, authors, tags and content_html, newest first', () => {
    const feed = JSON.parse(json);
    expect(feed.feed_url).toBe(`${SITE}feed.json`);
    expect(feed.home_page_url).toBe(SITE);
    expect(feed.items.map((i: { id: string }) => i.id)).toEqual(EXPECTED.map((e) => e.url));
    expect(feed.items.map((i: { url: string }) => i.url)).toEqual(EXPECTED.map((e) => e.url));
    expect(feed.items.map((i: { title: string }) => i.title)).toEqual(EXPECTED.map((e) => e.title));
    expect(feed.items.map((i: { date_published: string }) => i.date_published)).toEqual(EXPECTED.map((e) => e.date));
    expect(feed.items[0].authors).toEqual([{ name: 'Broadsheet Newsroom', url: 'mailto:newsroom@news.example.com' }]);
    expect(feed.items[0].tags).toEqual(['security', 'cloud', 'microsoft', 'government']);
    expect(feed.items[0].content_html).toBe(leadContent);
    expect(feed.items[0].summary).toBe(site.entries[0]!.description);
    expect(feed.items[6].content_html).toBe(`<p>${site.entries[6]!.description}</p>\n<p><a href="${EXPECTED[6]!.url}">Read more</a></p>`);
  });
});

describe('RSS 2.0 details', () => {
  it('channel: description, language, lastBuildDate from the newest entry, atom:link self', () => {
    expect(xpathString(rss, '/rss/channel/description')).toBe('Technology, security and policy news, with a daily digest by email.');
    expect(xpathString(rss, '/rss/channel/language')).toBe('en');
    expect(xpathString(rss, '/rss/channel/lastBuildDate')).toBe('Fri, 29 Aug 2025 14:30:00 GMT');
    expect(xpathString(rss, "/rss/channel/atom:link[@rel='self']/@href")).toBe(`${SITE}rss.xml`);
    expect(xpathString(rss, "/rss/channel/atom:link[@rel='self']/@type")).toBe('application/rss+xml');
  });

  it('items: guid isPermaLink true (id is the URL), pubDate, dc:creator, categories, full HTML in content:encoded', () => {
    expect(xpathCount(rss, '/rss/channel/item')).toBe(7);
    expect(xpathStrings(rss, '/rss/channel/item/guid')).toEqual(EXPECTED.map((e) => e.url));
    expect(xpathStrings(rss, '/rss/channel/item/guid/@isPermaLink')).toEqual(Array(7).fill('true'));
    expect(xpathString(rss, '/rss/channel/item[1]/pubDate')).toBe('Fri, 29 Aug 2025 14:30:00 GMT');
    expect(xpathStrings(rss, '/rss/channel/item/dc:creator')).toEqual(Array(7).fill('Broadsheet Newsroom'));
    expect(xpathCount(rss, '/rss/channel/item/author')).toBe(0);
    expect(xpathStrings(rss, '/rss/channel/item[1]/category')).toEqual(['security', 'cloud', 'microsoft', 'government']);
    expect(xpathString(rss, '/rss/channel/item[1]/content:encoded')).toBe(leadContent);
    expect(xpathString(rss, '/rss/channel/item[1]/description')).toBe(site.entries[0]!.description.replace(/&/g, '&amp;'));
  });
});

describe('Atom 1.0 details', () => {
  it('feed: id, updated from the newest entry, xml:lang, self and alternate links, author', () => {
    expect(xpathString(atom, '/atom:feed/@xml:lang')).toBe('en');
    expect(xpathString(atom, '/atom:feed/atom:id')).toBe(`${SITE}atom.xml`);
    expect(xpathString(atom, '/atom:feed/atom:updated')).toBe('2025-08-29T14:30:00Z');
    expect(xpathString(atom, "/atom:feed/atom:link[@rel='self']/@href")).toBe(`${SITE}atom.xml`);
    expect(xpathString(atom, "/atom:feed/atom:link[@rel='alternate']/@href")).toBe(SITE);
    expect(xpathString(atom, '/atom:feed/atom:author/atom:name')).toBe('Broadsheet Newsroom');
  });

  it('entries: stable ids, published and updated, categories with term, summary and content as html', () => {
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:id')).toEqual(EXPECTED.map((e) => e.url));
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:published')).toEqual(EXPECTED.map((e) => e.date));
    expect(xpathStrings(atom, '/atom:feed/atom:entry[1]/atom:category/@term')).toEqual(['security', 'cloud', 'microsoft', 'government']);
    expect(xpathCount(atom, '//atom:category[not(@term)]')).toBe(0);
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:summary/@type')).toEqual(Array(7).fill('html'));
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:content/@type')).toEqual(Array(7).fill('html'));
    expect(xpathString(atom, '/atom:feed/atom:entry[1]/atom:content')).toBe(leadContent);
  });
});

describe('determinism and configuration', () => {
  it('renders byte-identical files twice, with no trace of the time of the build', async () => {
    const { files: again } = await exampleFeeds();
    expect(again.map((f) => f.path)).toEqual(files.map((f) => f.path));
    again.forEach((f, i) => expect(Buffer.compare(Buffer.from(f.content), Buffer.from(files[i]!.content)), f.path).toBe(0));
    const year = String(new Date().getUTCFullYear());
    if (year !== '2025') for (const f of [rss, atom, json]) expect(f).not.toContain(year);
  });

  it('a site with no entries still gets valid, empty feeds dated by nothing but the epoch', async () => {
    const empty = renderFeeds({ ...site, entries: [], bySlug: new Map() });
    expect(empty.map((f) => f.path)).toEqual(['rss.xml', 'atom.xml', 'feed.json', 'feed-links.html', 'feeds.opml', 'feed.xsl', '_headers']);
    const a = fileText(empty, 'atom.xml');
    expect(xpathCount(a, '/atom:feed/fh:complete')).toBe(1);
    expect(await atomRelaxNgErrors(a)).toEqual([]);
    expect(xpathString(a, '/atom:feed/atom:updated')).toBe('1970-01-01T00:00:00Z');
    expect(await jsonFeedErrors(fileText(empty, 'feed.json'))).toEqual([]);
    expect(() => withXml(fileText(empty, 'rss.xml'), () => true)).not.toThrow();
  });

  it('carries at most feeds.items entries, the newest ones; atom.xml also every entry not yet archived', () => {
    const small = renderFeeds({ ...site, config: { ...site.config, feeds: { ...site.config.feeds, items: 3 } } });
    expect(xpathStrings(fileText(small, 'rss.xml'), '/rss/channel/item/link')).toEqual(EXPECTED.slice(0, 3).map((e) => e.url));
    // 7 entries do not fill 3 + 100: no page is archived, so atom.xml holds the whole history and says so.
    expect(xpathStrings(fileText(small, 'atom.xml'), '/atom:feed/atom:entry/atom:id')).toEqual(EXPECTED.map((e) => e.url));
    expect(xpathCount(fileText(small, 'atom.xml'), '/atom:feed/fh:complete')).toBe(1);
    expect(small.some((f) => f.path.startsWith('archive/'))).toBe(false);
    expect(JSON.parse(fileText(small, 'feed.json')).items.map((i: { id: string }) => i.id)).toEqual(EXPECTED.slice(0, 3).map((e) => e.url));
  });
});
