import path from 'node:path';
import { FEED_FORMATS, type FeedFormatKey } from '../config/feed-formats.js';
import { CACHE_CONTROL, isArchiveDocument } from '../feeds/caching.js';

const UTF8 = '; charset=utf-8';

const BY_EXTENSION: Record<string, string> = {
  '.html': `text/html${UTF8}`,
  '.htm': `text/html${UTF8}`,
  '.txt': `text/plain${UTF8}`,
  '.css': `text/css${UTF8}`,
  '.js': `text/javascript${UTF8}`,
  '.json': `application/json${UTF8}`,
  '.xml': `application/xml${UTF8}`,
  // Browsers apply an XSLT stylesheet only when it comes as XML.
  '.xsl': `text/xsl${UTF8}`,
  '.xslt': `text/xsl${UTF8}`,
  '.opml': `text/x-opml${UTF8}`,
  '.eml': 'message/rfc822',
  '.svg': `image/svg+xml${UTF8}`,
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const feedType = (key: FeedFormatKey) => `${FEED_FORMATS.find((f) => f.key === key)!.type}${UTF8}`;
export const RSS = feedType('rss');
export const ATOM = feedType('atom');
export const JSON_FEED = feedType('json');

/**
 * The media type of a file in the output folder. Feeds are told apart by
 * their root element (or, for JSON, the JSON Feed version key) rather than by
 * name, so tag feeds and archive pages get the right type whatever they are called.
 */
export function mediaType(file: string, head: Uint8Array): string {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xml') {
    const root = xmlRoot(Buffer.from(head).toString('utf8'));
    if (root === 'rss') return RSS;
    if (root === 'feed') return ATOM;
  }
  if (ext === '.json' && /"version"\s*:\s*"https:\/\/jsonfeed\.org\/version\//.test(Buffer.from(head).toString('utf8'))) return JSON_FEED;
  return BY_EXTENSION[ext] ?? 'application/octet-stream';
}

/** Name of the first element, skipping the XML declaration, processing instructions, comments and a doctype. */
function xmlRoot(text: string): string | undefined {
  const m = /^\uFEFF?(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*<([A-Za-z_][\w.-]*(?::[\w.-]+)?)/.exec(text);
  return m?.[1];
}

/** Text formats worth compressing; images and fonts are compressed already. */
export function isCompressible(type: string): boolean {
  return /^(text\/|application\/(?:[\w.+-]+\+)?(?:xml|json)|image\/svg\+xml|message\/rfc822)/.test(type);
}

/**
 * Feed readers ask for feeds by type; browsers ask for text/html and would
 * download an `application/rss+xml` response instead of showing it through
 * the feed's XSL stylesheet, so a browser gets the same bytes as
 * `application/xml`. Undefined for anything but an RSS or Atom feed.
 */
export function xmlFeedVariant(type: string, accept: string | undefined): { forBrowser: boolean } | undefined {
  if (type !== RSS && type !== ATOM) return undefined;
  const essence = type.split(';')[0]!;
  return { forBrowser: !!accept && /\btext\/html\b/.test(accept) && !accept.includes(essence) };
}

export const XML = BY_EXTENSION['.xml']!;

/**
 * How long clients and caches may keep a response (feeds/caching.ts): an
 * archive page for a year, since it never changes; a feed for minutes;
 * anything else revalidated on every use.
 */
export function cacheControl(type: string, body: Buffer): string {
  if (type === ATOM && isArchiveDocument(body)) return CACHE_CONTROL.archived;
  if (type === RSS || type === ATOM || type === JSON_FEED) return CACHE_CONTROL.feed;
  return CACHE_CONTROL.other;
}
