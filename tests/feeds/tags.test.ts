import { beforeAll, describe, expect, it } from 'vitest';
import type { Entry, Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { tagSlug } from '../../src/feeds/tags.js';
import type { OutputFile } from '../../src/output/files.js';
import { atomRelaxNgErrors, exampleFeeds, fileText, jsonFeedErrors, withXml, xpathString, xpathStrings } from '../helpers/feeds.js';
import { exampleSite } from '../helpers/project.js';

describe('tagSlug', () => {
  it('makes safe folder names: lowercase ASCII, digits and single hyphens', () => {
    expect(tagSlug('AI')).toBe('ai');
    expect(tagSlug('Social Media')).toBe('social-media');
    expect(tagSlug('Café Culture')).toBe('cafe-culture');
    expect(tagSlug('C++')).toBe('c-plus-plus');
    expect(tagSlug('C#')).toBe('c-sharp');
    expect(tagSlug('R&D <lab>')).toBe('r-and-d-lab');
    expect(tagSlug('../../etc/passwd')).toBe('etc-passwd');
    expect(tagSlug('  --x--  ')).toBe('x');
  });

  it('gives a tag without any such character a stable hash name', () => {
    expect(tagSlug('日本')).toMatch(/^tag-[0-9a-f]{8}$/);
    expect(tagSlug('日本')).toBe(tagSlug('日本'));
    expect(tagSlug('日本')).not.toBe(tagSlug('中国'));
  });
});

describe('per-tag feeds of the example site', () => {
  let site: Site;
  let files: OutputFile[];
  beforeAll(async () => {
    ({ site, files } = await exampleFeeds());
  });

  it('writes rss.xml, atom.xml, feed.json and feed-links.html under tags/<slug>/ for every tag', () => {
    const tags = [...new Set(site.entries.flatMap((e) => e.tags))].sort();
    expect(tags).toHaveLength(14);
    const tagFiles = files.filter((f) => f.path.startsWith('tags/')).map((f) => f.path);
    expect(tagFiles).toEqual(tags.flatMap((t) => ['rss.xml', 'atom.xml', 'feed.json', 'feed-links.html'].map((f) => `tags/${t}/${f}`)));
  });

  it('each tag feed holds exactly the entries with that tag, newest first, in all three formats', async () => {
    for (const tag of ['ai', 'security', 'microsoft']) {
      const want = site.entries.filter((e) => e.tags.includes(tag)).map((e) => e.url);
      const rss = fileText(files, `tags/${tag}/rss.xml`);
      const atom = fileText(files, `tags/${tag}/atom.xml`);
      const json = fileText(files, `tags/${tag}/feed.json`);
      expect(xpathStrings(rss, '/rss/channel/item/link')).toEqual(want);
      expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:id')).toEqual(want);
      expect(JSON.parse(json).items.map((i: { url: string }) => i.url)).toEqual(want);
      expect(xpathString(rss, '/rss/channel/title')).toBe(`The Broadsheet: ${tag}`);
      expect(xpathString(atom, "/atom:feed/atom:link[@rel='self']/@href")).toBe(`https://news.example.com/tags/${tag}/atom.xml`);
      expect(xpathString(rss, "/rss/channel/atom:link[@rel='self']/@href")).toBe(`https://news.example.com/tags/${tag}/rss.xml`);
      expect(JSON.parse(json).feed_url).toBe(`https://news.example.com/tags/${tag}/feed.json`);
      expect(xpathString(atom, '/atom:feed/atom:updated')).toBe(site.entries.find((e) => e.tags.includes(tag))!.date.toISOString().replace('.000Z', 'Z'));
      expect(await atomRelaxNgErrors(atom)).toEqual([]);
      expect(await jsonFeedErrors(json)).toEqual([]);
      expect(() => withXml(rss, () => true)).not.toThrow();
    }
    expect(xpathStrings(fileText(files, 'tags/ai/atom.xml'), '/atom:feed/atom:entry/atom:title')).toEqual([
      'The Data Crunch In AI: Strategies For Sustainability',
      'LinkedIn Embraces AI And Gamification To Drive User Engagement And Revenue',
    ]);
  });

  it('links the stylesheet two folders up', () => {
    expect(fileText(files, 'tags/ai/rss.xml')).toContain('<?xml-stylesheet href="../../feed.xsl" type="text/xsl"?>');
    expect(fileText(files, 'tags/ai/atom.xml')).toContain('<?xml-stylesheet href="../../feed.xsl" type="text/xsl"?>');
  });
});

describe('tag grouping', () => {
  let site: Site;
  beforeAll(async () => {
    site = await exampleSite();
  });
  const withTags = (e: Entry, tags: string[]): Entry => ({ ...e, tags });

  it('spellings that share a slug make one feed, named by the most used spelling; each entry once', () => {
    const [a, b, c] = site.entries;
    const entries = [withTags(a!, ['AI', 'ai']), withTags(b!, ['ai']), withTags(c!, ['A.I.', 'ai'])];
    const files = renderFeeds({ ...site, entries });
    const slugs = [...new Set(files.filter((f) => f.path.startsWith('tags/')).map((f) => f.path.split('/')[1]))];
    expect(slugs).toEqual(['a-i', 'ai']);
    const atom = fileText(files, 'tags/ai/atom.xml');
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:id')).toEqual([a!.id, b!.id, c!.id]);
    expect(xpathString(atom, '/atom:feed/atom:title')).toBe('The Broadsheet: ai');
  });

  it('carries at most feeds.items entries per tag, and none when tags are off', () => {
    const config = site.config;
    const entries = site.entries.map((e) => withTags(e, ['all']));
    const few = renderFeeds({ ...site, entries, config: { ...config, feeds: { ...config.feeds, items: 2 } } });
    expect(xpathStrings(fileText(few, 'tags/all/rss.xml'), '/rss/channel/item/link')).toEqual(entries.slice(0, 2).map((e) => e.url));
    const off = renderFeeds({ ...site, config: { ...config, feeds: { ...config.feeds, tags: false } } });
    expect(off.some((f) => f.path.startsWith('tags/'))).toBe(false);
  });
});
