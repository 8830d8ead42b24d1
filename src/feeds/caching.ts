import type { PublicUrls } from '../config/urls.js';

/**
 * How long readers and caches may keep the files the feeds stage writes. The
 * one policy for every host: `serve` sends it, `_headers` (Netlify,
 * Cloudflare Pages) carries it, docs/deploying.md gives it for nginx and S3.
 */
export const CACHE_CONTROL = {
  /** An archive page (`<fh:archive/>`): full, and never changed again. */
  archived: 'public, max-age=31536000, immutable',
  /** A feed readers poll (site and tag feeds, the archive page being filled): new stories reach them within minutes. */
  feed: 'public, max-age=300',
  /** Anything else: kept, but revalidated on every use (a 304 when unchanged). */
  other: 'no-cache',
} as const;

export const HEADERS_FILE = '_headers';

const ARCHIVE_MARK = '<fh:archive/>';

/**
 * True for an archive document as the feeds stage writes it: `<fh:archive/>`
 * in the feed's head, before its first entry. The mark is only ever written
 * on a full page, so it is the server's sign that the bytes are final.
 */
export function isArchiveDocument(xml: Buffer | string): boolean {
  const mark = xml.indexOf(ARCHIVE_MARK);
  if (mark === -1) return false;
  const entry = xml.indexOf('<entry>');
  return entry === -1 || mark < entry;
}

/**
 * `_headers` for Netlify and Cloudflare Pages: the subscription feeds, every
 * tag feed (one rule for the whole folder), the page being filled and each
 * archived page by name. Rules never overlap, because the two hosts combine
 * overlapping rules differently. Paths carry site.url's own path.
 */
export function renderHeaders(urls: PublicUrls, feeds: readonly string[], tagsDir: string | undefined, archived: readonly string[], filling: string | undefined): string {
  const path = (file: string) => new URL(urls.file(file)).pathname;
  const rule = (pattern: string, value: string) => `${pattern}\n  Cache-Control: ${value}\n`;
  let out = '# Written by broadsheet build: how long readers and caches may keep each feed (docs/deploying.md).\n';
  for (const f of feeds) out += rule(path(f), CACHE_CONTROL.feed);
  if (tagsDir) out += rule(`${path(tagsDir)}*`, CACHE_CONTROL.feed);
  if (filling) out += rule(path(filling), CACHE_CONTROL.feed);
  for (const a of archived) out += rule(path(a), CACHE_CONTROL.archived);
  return out;
}
