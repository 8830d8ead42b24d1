import type { Extension, Item } from 'feed';
import { requireBundled } from '../util/bundled.js';
import { SYNDICATION_NS, type Channel, type SiteMeta } from './channel.js';
import type { FeedItem } from './item.js';

/**
 * RSS 2.0 through the `feed` package, with each of its defects wrapped.
 * `feed` serialises with xml-js, which (1) un-escapes `&amp;` in text before
 * escaping it, so a literal "&amp;" in a title would come out as "&"; (2)
 * escapes only `"` in attributes; (3) splits only the first `]]>` of a CDATA
 * section; (4) is handed `<author>` for names although RSS wants an email
 * there; (5) sets isPermaLink="false" whenever an id is given; (6) guesses an
 * enclosure's type from the file extension; (7) fills lastBuildDate with the
 * time of the build when no date is given; (8) cannot declare namespaces for
 * extensions. So: every text value is pre-escaped for (1), attributes for (2);
 * HTML in CDATA has `]]>` written as `]]&gt;` (the same HTML) for (3); authors
 * go in dc:creator; the guid is left to `feed` only when it is the permalink;
 * the enclosure's real type and length are passed; lastBuildDate is the newest
 * entry's date; the Media RSS and Syndication namespaces are added to the root element.
 * Everything reaching this file is already stripped of characters XML cannot
 * carry (see item.ts), which `feed` would pass through.
 */

const MEDIA_NS = 'http://search.yahoo.com/mrss/';

/** xml-js turns `&amp;` back into `&` before escaping text; escaping `&` first makes it round-trip exactly. */
function text(s: string): string {
  return s.replace(/&/g, '&amp;');
}

/** xml-js escapes only `"` in attribute values. */
function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The same HTML without a `]]>` that would end the CDATA section early. */
function cdataSafeHtml(html: string): string {
  return html.replaceAll(']]>', ']]&gt;');
}

/** Several elements of one name: xml-js writes an array as repeated elements, though `feed` types objects as a record. */
function repeated(list: Record<string, unknown>[]): Record<string, unknown> {
  return list as unknown as Record<string, unknown>;
}

function rssItem(item: FeedItem): Item {
  const extensions: Extension[] = [
    // Plain text, not the CDATA `feed` would use for a title (and xml-js would split wrongly).
    { name: 'title', objects: { _text: text(item.title) } },
  ];
  if (item.authors.length > 0) {
    extensions.push({ name: 'dc:creator', objects: repeated(item.authors.map((a) => ({ _text: text(a.name) }))) });
  }
  const out: Item = {
    title: item.title,
    link: item.url,
    date: item.updated,
    published: item.published,
    description: item.summaryHtml,
    content: cdataSafeHtml(item.openingHtml + item.contentHtml),
    category: item.tags.map((t) => ({ name: text(t) })),
    extensions,
  };
  // `feed` writes the link as guid with isPermaLink="true" only when given neither guid nor id.
  if (item.id !== item.url) out.guid = text(item.id);
  // RSS allows one enclosure: the audio or video file when there is one, else the image; the image stays in media:content.
  if (item.enclosure) out.enclosure = { url: item.enclosure.url, type: item.enclosure.type, length: item.enclosure.length };
  if (item.image) {
    const { url, type, length, alt } = item.image;
    if (type && !item.enclosure) out.enclosure = { url, type, length: length ?? 0 };
    const media: Record<string, unknown> = {
      _attributes: { url: attr(url), medium: 'image', ...(type ? { type } : {}), ...(length !== undefined ? { fileSize: length } : {}) },
    };
    if (alt) media['media:description'] = { _attributes: { type: 'plain' }, _text: text(alt) };
    extensions.push({ name: 'media:content', objects: media });
  }
  return out;
}

export function renderRss(site: SiteMeta, ch: Channel, selfUrl: string): string {
  const feed = new (requireBundled<typeof import('feed')>('feed').Feed)({
    title: text(ch.title),
    description: text(ch.description),
    link: ch.home,
    language: site.language,
    updated: ch.updated,
    generator: 'broadsheet',
    feedLinks: { rss: selfUrl },
    ...(site.copyright ? { copyright: text(site.copyright) } : {}),
    ...(site.logo ? { image: text(site.logo) } : {}),
    ...(ch.stylesheet ? { stylesheet: attr(ch.stylesheet) } : {}),
    ...(ch.updates ? { ttl: ch.updates.ttl } : {}),
  });
  if (ch.updates) {
    feed.addExtension({ name: 'sy:updatePeriod', objects: { _text: ch.updates.period } });
    feed.addExtension({ name: 'sy:updateFrequency', objects: { _text: String(ch.updates.frequency) } });
  }
  // Replaces the self link `feed` made (which also declares the atom namespace) by self plus every hub.
  feed.addExtension({
    name: 'atom:link',
    objects: repeated([
      { _attributes: { href: attr(selfUrl), rel: 'self', type: 'application/rss+xml' } },
      ...ch.hubs.map((hub) => ({ _attributes: { href: attr(hub), rel: 'hub' } })),
    ]),
  });
  for (const item of ch.items) feed.addItem(rssItem(item));
  let xml = feed.rss2();
  const namespaces = `${ch.items.some((i) => i.image) ? ` xmlns:media="${MEDIA_NS}"` : ''}${ch.updates ? ` xmlns:sy="${SYNDICATION_NS}"` : ''}`;
  if (namespaces) xml = xml.replace('<rss version="2.0"', `<rss version="2.0"${namespaces}`);
  return `${xml}\n`;
}
