import { parseFeed as rowanParse } from '@rowanmanning/feed-parser';
import { parseFeed as feedsmithParse } from 'feedsmith';
import RssParser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import type { Entry, Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { teaserHtml } from '../../src/feeds/html.js';
import type { OutputFile } from '../../src/output/files.js';
import { AT_BASE, feedparser, fileText, writeMediaArticles, type FeedparserResult } from '../helpers/feeds.js';
import { CLOCK, exampleSite, makeProject } from '../helpers/project.js';

/**
 * Every feed a site produces, read by four parsers: Debian's python3-feedparser,
 * rss-parser, @rowanmanning/feed-parser and feedsmith. Each must see, for every
 * item, the same title, link, id, dates, authors, categories, image and content
 * as the site's entries hold. JSON Feed is read by feedsmith only: feedparser
 * 6.0, rss-parser and @rowanmanning/feed-parser do not read it.
 */

interface Seen {
  title: string;
  link: string;
  id: string;
  published: string;
  /** Absent where the format (RSS) or the parser has no such field. */
  updated?: string;
  authors: string[];
  categories: string[];
  image?: string;
  content: string;
}

const iso = (d: string | Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);
const arr = <T>(x: T | T[] | undefined | null): T[] => (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]);
/**
 * The same HTML, however a parser chose to write quotes in text ("&quot;" or '"'), ampersands in
 * attribute values, and an image's attributes (feedparser sorts them and closes the tag with " /").
 */
const html = (s: string) =>
  s
    // @rowanmanning/feed-parser decodes attribute values and writes them back with raw quotes: split on ` name="`.
    .replace(/<img\s([^>]*?)\s*\/?>/g, (_, attrs: string) => `<img ${attrs.split(/\s(?=[a-z]+=")/).sort().join(' ')}>`)
    .replace(/(\s[a-z]+=")([^"]*)"/g, (_, name: string, value: string) => `${name}${value.replace(/&amp;/g, '&')}"`)
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&#x0*27;/gi, "'");
const clean = (s: Seen): Seen =>
  Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined).map(([k, v]) => [k, k === 'content' ? html(v as string) : v])) as unknown as Seen;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What opens every body by default (feeds.content.prepend): the standfirst of an article, then the lead image. */
function openingOf(e: Entry): string {
  let out = e.kind === 'article' ? `<p><em>${escape(e.description)}</em></p>\n` : '';
  if (e.image) out += `<figure><img src="${escape(e.image.url)}" alt="${escape(e.image.alt)}"></figure>\n`;
  return out;
}

function expected(site: Site, entries: Entry[], format: 'rss' | 'atom' | 'json'): Seen[] {
  return entries.map((e) =>
    clean({
      title: e.title,
      link: e.url,
      id: e.id,
      published: e.date.toISOString(),
      updated: format === 'rss' ? undefined : (e.updated ?? e.date).toISOString(),
      authors: e.authors.map((a) => a.name),
      categories: e.tags,
      image: e.image?.url,
      content: openingOf(e) + (e.kind === 'teaser' ? teaserHtml(e.description, e.url) : e.html),
    }),
  );
}

// rss-parser reads one author, no Atom categories, one link and one Atom date; its
// documented customFields option asks for the rest.
const rssParser = new RssParser({
  customFields: {
    item: [
      ['dc:creator', 'creators', { keepArray: true }],
      ['author', 'authors', { keepArray: true }],
      ['category', 'atomCategories', { keepArray: true }],
      ['link', 'links', { keepArray: true }],
      'published',
      'updated',
    ],
  },
});

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function byRssParser(text: string, format: 'rss' | 'atom'): Promise<Seen[]> {
  const feed = await rssParser.parseString(text);
  return feed.items.map((i: Loose) =>
    clean({
      title: i.title,
      link: i.link,
      id: i.guid ?? i.id,
      published: iso(format === 'rss' ? i.pubDate : i.published ?? i.pubDate)!,
      updated: format === 'atom' ? iso(i.updated) : undefined,
      authors: format === 'rss' ? arr(i.creators) : arr(i.authors).map((a: Loose) => arr(a.name)[0]),
      categories: format === 'rss' ? arr(i.categories).map((c: Loose) => (typeof c === 'string' ? c : c._)) : arr(i.atomCategories).map((c: Loose) => c.$.term),
      image: format === 'rss' ? i.enclosure?.url : arr(i.links).find((l: Loose) => l.$?.rel === 'enclosure')?.$.href,
      content: format === 'rss' ? i['content:encoded'] : i.content,
    }),
  );
}

function byRowan(text: string, format: 'rss' | 'atom'): Seen[] {
  return rowanParse(text).items.map((i) =>
    clean({
      title: i.title!,
      link: i.url!,
      id: i.id!,
      published: iso(i.published)!,
      updated: format === 'atom' ? iso(i.updated) : undefined,
      authors: i.authors.map((a) => a.name!),
      categories: i.categories.map((c) => c.term),
      image: i.media.find((m) => m.type === 'image' || m.mimeType?.startsWith('image/'))?.url,
      content: i.content!,
    }),
  );
}

function byFeedsmith(text: string): Seen[] {
  const { format, feed } = feedsmithParse(text) as { format: string; feed: Loose };
  if (format === 'rss') {
    return arr(feed.items).map((i: Loose) =>
      clean({
        title: i.title,
        link: i.link,
        id: i.guid?.value,
        published: iso(i.pubDate)!,
        authors: arr(i.dc?.creators),
        categories: arr(i.categories).map((c: Loose) => c.name),
        image: arr(i.enclosures)[0]?.url ?? i.enclosure?.url,
        content: i.content?.encoded,
      }),
    );
  }
  if (format === 'atom') {
    return arr(feed.entries).map((e: Loose) =>
      clean({
        title: e.title?.value ?? e.title,
        link: arr(e.links).find((l: Loose) => !l.rel || l.rel === 'alternate')?.href,
        id: e.id,
        published: iso(e.published)!,
        updated: iso(e.updated),
        authors: arr(e.authors).map((a: Loose) => a.name),
        categories: arr(e.categories).map((c: Loose) => c.term),
        image: arr(e.links).find((l: Loose) => l.rel === 'enclosure')?.href,
        content: e.content?.value ?? e.content,
      }),
    );
  }
  return arr(feed.items).map((i: Loose) =>
    clean({
      title: i.title,
      link: i.url,
      id: i.id,
      published: iso(i.date_published)!,
      updated: iso(i.date_modified),
      authors: arr(i.authors).map((a: Loose) => a.name),
      categories: arr(i.tags),
      image: i.image,
      content: i.content_html,
    }),
  );
}

function byFeedparser(p: FeedparserResult, format: 'rss' | 'atom'): Seen[] {
  return p.entries.map((e) =>
    clean({
      title: e.title!,
      link: e.link!,
      id: e.id!,
      published: iso(e.published)!,
      updated: format === 'atom' ? iso(e.updated) : undefined,
      authors: e.authors,
      categories: e.tags,
      image: e.enclosures[0]?.href,
      content: e.content[0]!,
    }),
  );
}

/** Feeds and the entries each must hold, newest first. */
function feedsOf(site: Site, files: OutputFile[]): { path: string; format: 'rss' | 'atom' | 'json'; entries: Entry[] }[] {
  const limit = site.config.feeds.items;
  const out: { path: string; format: 'rss' | 'atom' | 'json'; entries: Entry[] }[] = [];
  for (const f of files) {
    const m = /^(?:tags\/([a-z0-9-]+)\/)?(rss\.xml|atom\.xml|feed\.json)$|^archive\/(\d+)\.xml$/.exec(f.path);
    if (!m) continue;
    const format = m[3] ? 'atom' : m[2] === 'rss.xml' ? 'rss' : m[2] === 'atom.xml' ? 'atom' : 'json';
    let entries: Entry[];
    if (m[3]) {
      const size = site.config.feeds.archivePageSize;
      const oldest = [...site.entries].reverse().slice((Number(m[3]) - 1) * size, Number(m[3]) * size);
      entries = oldest.reverse();
    } else if (f.path === 'atom.xml') {
      // Every entry on no archived page: pages of archivePageSize, from the oldest, all older than the newest `limit`.
      const size = site.config.feeds.archivePageSize;
      const archivedPages = Math.max(0, Math.floor((site.entries.length - limit) / size));
      entries = site.entries.slice(0, site.entries.length - archivedPages * size);
    } else if (m[1]) {
      const tag = m[1];
      entries = site.entries.filter((e) => e.tags.some((t) => t.toLowerCase().replace(/[^a-z0-9]+/g, '-') === tag)).slice(0, limit);
    } else {
      entries = site.entries.slice(0, limit);
    }
    out.push({ path: f.path, format, entries });
  }
  return out;
}

async function checkAllParsers(site: Site): Promise<number> {
  const files = renderFeeds(site);
  const feeds = feedsOf(site, files);
  const xml = feeds.filter((f) => f.format !== 'json');
  const parsed = await feedparser(Object.fromEntries(xml.map((f) => [f.path, fileText(files, f.path)])));
  let checked = 0;
  for (const f of feeds) {
    const text = fileText(files, f.path);
    const want = expected(site, f.entries, f.format);
    expect(want.length, f.path).toBeGreaterThan(0);
    expect(byFeedsmith(text), `${f.path}: feedsmith`).toEqual(want);
    if (f.format === 'json') {
      checked++;
      continue;
    }
    expect(await byRssParser(text, f.format), `${f.path}: rss-parser`).toEqual(want);
    expect(byRowan(text, f.format), `${f.path}: @rowanmanning/feed-parser`).toEqual(want);
    if (parsed) {
      expect(parsed[f.path]!.bozo, `${f.path}: ${parsed[f.path]!.bozo_exception}`).toBe(0);
      expect(byFeedparser(parsed[f.path]!, f.format), `${f.path}: feedparser`).toEqual(want);
    }
    checked++;
  }
  return checked;
}

describe('interoperability: four parsers read the same feeds', () => {
  it('every feed of the example site', async () => {
    const site = await exampleSite();
    // 3 site feeds, 3 for each of the 14 tags; the history fits in atom.xml, so there is no archive page.
    expect(await checkAllParsers(site)).toBe(3 + 14 * 3);
  });

  it('every feed and archive page of the example site in pages of two, one entry per feed', async () => {
    const site = await exampleSite();
    const paged = { ...site, config: { ...site.config, feeds: { ...site.config.feeds, items: 1, archivePageSize: 2 } } };
    // 3 site feeds, 3 for each of the 14 tags, 3 archived pages and the one being filled.
    expect(await checkAllParsers(paged)).toBe(3 + 14 * 3 + 4);
  });

  describe('a site with images, two authors and an updated article', () => {
    it('every feed', async () => {
      const project = makeProject({ articles: 'none', config: AT_BASE });
      writeMediaArticles(project);
      const site = await loadSite(await project.loadConfig(), CLOCK);
      expect(site.entries[0]!.authors.map((a) => a.name)).toEqual(['Ann Lee', 'Bo Chan']);
      expect(await checkAllParsers(site)).toBe(3 + 3 * 2);
    });
  });
});
