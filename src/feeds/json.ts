import type { Channel, SiteMeta } from './channel.js';
import type { FeedAuthor, FeedItem } from './item.js';

/**
 * JSON Feed 1.1, written directly: `feed`'s json1() emits version 1 (a single
 * `author`, no `language`), so there is nothing of it worth wrapping.
 */

export const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

interface JsonAuthor {
  name: string;
  url?: string;
}

const items = new WeakMap<FeedItem, Record<string, unknown>>();

function jsonAuthor(a: FeedAuthor): JsonAuthor {
  // JSON Feed authors have no email field; a mailto: URL carries it.
  const url = a.url ?? (a.email ? `mailto:${a.email}` : undefined);
  return url ? { name: a.name, url } : { name: a.name };
}

export function jsonItem(item: FeedItem): Record<string, unknown> {
  const cached = items.get(item);
  if (cached) return cached;
  const out: Record<string, unknown> = {
    id: item.id,
    url: item.url,
    title: item.title,
    content_html: item.openingHtml + item.contentHtml,
    summary: item.summary,
  };
  if (item.image) out.image = item.image.url;
  if (item.enclosure) {
    const { url, type, length, title } = item.enclosure;
    out.attachments = [{ url, mime_type: type, ...(title ? { title } : {}), ...(length > 0 ? { size_in_bytes: length } : {}) }];
  }
  if (item.language) out.language = item.language;
  out.date_published = item.publishedIso;
  out.date_modified = item.updatedIso;
  out.authors = item.authors.map(jsonAuthor);
  if (item.tags.length > 0) out.tags = item.tags;
  items.set(item, out);
  return out;
}

export function renderJson(site: SiteMeta, ch: Channel, selfUrl: string): string {
  const feed: Record<string, unknown> = {
    version: JSON_FEED_VERSION,
    title: ch.title,
    home_page_url: ch.home,
    feed_url: selfUrl,
    description: ch.description,
  };
  // JSON Feed's icon is a square avatar, like Atom's icon; a wide logo fits neither field.
  if (site.icon) {
    feed.icon = site.icon;
    feed.favicon = site.icon;
  }
  feed.authors = [jsonAuthor(site.author)];
  feed.language = site.language;
  if (ch.hubs.length > 0) feed.hubs = ch.hubs.map((url) => ({ type: 'WebSub', url }));
  feed.items = ch.items.map(jsonItem);
  return `${JSON.stringify(feed, null, 2)}\n`;
}
