import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feeds/atom.js';
import type { Channel, SiteMeta } from '../../src/feeds/channel.js';
import type { FeedItem } from '../../src/feeds/item.js';
import { renderJson } from '../../src/feeds/json.js';
import { renderRss } from '../../src/feeds/rss.js';
import { cdata, escapeAttr, escapeText, isoDate } from '../../src/feeds/xml.js';
import { atomRelaxNgErrors, jsonFeedErrors, withXml, xpathString, xpathStrings } from '../helpers/feeds.js';

/**
 * The format writers on their own, fed FeedItems whose HTML never went
 * through a sanitiser: what keeps them well-formed is their own escaping.
 */

const site: SiteMeta = {
  url: 'https://x.example/',
  title: 'Q&amp;A <desk>',
  description: 'd & <d>',
  language: 'en',
  author: { name: 'Desk & <Co>' },
  hubs: ['https://hub.example/?a=1&b=<2>'],
};

const item = (over: Partial<FeedItem> = {}): FeedItem =>
  ({
    id: 'https://x.example/a/',
    url: 'https://x.example/a/',
    title: 'T ]]> x ]]> &amp;',
    summary: 's',
    summaryHtml: 's',
    openingHtml: '',
    contentHtml: '<p>a ]]> b ]]> c ]]]]> d</p>',
    published: new Date('2025-01-02T03:04:05Z'),
    updated: new Date('2025-01-03T00:00:00Z'),
    publishedIso: '2025-01-02T03:04:05Z',
    updatedIso: '2025-01-03T00:00:00Z',
    authors: [{ name: 'A & B' }, { name: 'C <D>' }],
    tags: ['x]]>y', 'p&q'],
    ...over,
  }) as FeedItem;

const channel = (items: FeedItem[]): Channel => ({
  title: site.title,
  description: site.description,
  home: site.url,
  items,
  updated: new Date('2025-01-03T00:00:00Z'),
  hubs: site.hubs,
  complete: false,
});

describe('xml helpers', () => {
  it('cdata splits every "]]>", not just the first, and round-trips', () => {
    const text = 'a]]>b]]>c]]]]>';
    expect(cdata(text)).toBe('<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>c]]]]]]><![CDATA[>]]>');
    expect(withXml(`<r>${cdata(text)}</r>`, (d) => String(d.eval('string(/r)')))).toBe(text);
  });

  it('escapes text and attributes and drops characters XML cannot carry', () => {
    expect(escapeText('a&b<c>d\u0001\uFFFE')).toBe('a&amp;b&lt;c&gt;d');
    const attr = escapeAttr('"q" <&>\tx\ny\u0000');
    expect(withXml(`<r a="${attr}"/>`, (d) => String(d.eval('string(/r/@a)')))).toBe('"q" <&>\tx\ny');
  });

  it('writes dates as RFC 3339 without empty milliseconds', () => {
    expect(isoDate(new Date('2025-01-02T03:04:05Z'))).toBe('2025-01-02T03:04:05Z');
    expect(isoDate(new Date('2025-01-02T03:04:05.250Z'))).toBe('2025-01-02T03:04:05.250Z');
  });
});

describe('renderRss (feed, wrapped)', () => {
  const xml = renderRss(site, channel([item()]), 'https://x.example/rss.xml');

  it('survives several "]]>" in one HTML body and in the title', () => {
    expect(xpathString(xml, '/rss/channel/item/content:encoded')).toBe('<p>a ]]&gt; b ]]&gt; c ]]]]&gt; d</p>');
    expect(xpathString(xml, '/rss/channel/item/title')).toBe('T ]]> x ]]> &amp;');
    expect(xpathStrings(xml, '/rss/channel/item/category')).toEqual(['x]]>y', 'p&q']);
  });

  it('keeps a literal "&amp;" in text and escapes < and & in attributes', () => {
    expect(xpathString(xml, '/rss/channel/title')).toBe('Q&amp;A <desk>');
    expect(xpathStrings(xml, '/rss/channel/item/dc:creator')).toEqual(['A & B', 'C <D>']);
    expect(xpathString(xml, "/rss/channel/atom:link[@rel='hub']/@href")).toBe('https://hub.example/?a=1&b=<2>');
  });

  it('isPermaLink is false for an id that is not the URL, and pubDate is the publication date', () => {
    const other = renderRss(site, channel([item({ id: 'urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427' })]), 'https://x.example/rss.xml');
    expect(xpathString(other, '/rss/channel/item/guid')).toBe('urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427');
    expect(xpathString(other, '/rss/channel/item/guid/@isPermaLink')).toBe('false');
    expect(xpathString(xml, '/rss/channel/item/guid/@isPermaLink')).toBe('true');
    expect(xpathString(xml, '/rss/channel/item/pubDate')).toBe('Thu, 02 Jan 2025 03:04:05 GMT');
    expect(xpathString(xml, '/rss/channel/lastBuildDate')).toBe('Fri, 03 Jan 2025 00:00:00 GMT');
  });

  it('an empty channel is well-formed and dated by its channel, not by the clock', () => {
    const empty = renderRss(site, { ...channel([]), updated: new Date(0) }, 'https://x.example/rss.xml');
    expect(xpathString(empty, '/rss/channel/lastBuildDate')).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });
});

describe('renderAtom and renderJson', () => {
  it('Atom stays valid with the same text', async () => {
    const xml = renderAtom(site, channel([item()]), 'https://x.example/atom.xml');
    expect(await atomRelaxNgErrors(xml)).toEqual([]);
    expect(xpathString(xml, '/atom:feed/atom:entry/atom:content')).toBe('<p>a ]]> b ]]> c ]]]]> d</p>');
    expect(xpathString(xml, '/atom:feed/atom:entry/atom:title')).toBe('T ]]> x ]]> &amp;');
    expect(xpathStrings(xml, '/atom:feed/atom:entry/atom:category/@term')).toEqual(['x]]>y', 'p&q']);
    expect(xpathString(xml, "/atom:feed/atom:link[@rel='hub']/@href")).toBe('https://hub.example/?a=1&b=<2>');
    expect(xpathString(xml, '/atom:feed/atom:entry/atom:updated')).toBe('2025-01-03T00:00:00Z');
    expect(xpathString(xml, '/atom:feed/atom:entry/atom:published')).toBe('2025-01-02T03:04:05Z');
  });

  it('JSON Feed 1.1 with authors, language and WebSub hubs', async () => {
    const hubs = ['https://hub.example/?a=1&b=2'];
    const json = renderJson({ ...site, hubs }, { ...channel([item()]), hubs }, 'https://x.example/feed.json');
    expect(await jsonFeedErrors(json)).toEqual([]);
    const feed = JSON.parse(json);
    expect(feed.hubs).toEqual([{ type: 'WebSub', url: 'https://hub.example/?a=1&b=2' }]);
    expect(feed.items[0].authors).toEqual([{ name: 'A & B' }, { name: 'C <D>' }]);
    expect(feed.items[0].content_html).toBe('<p>a ]]> b ]]> c ]]]]> d</p>');
  });
});
