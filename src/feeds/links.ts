import { FEED_FORMATS, type FeedFormatKey } from '../config/feed-formats.js';
import type { FeedSet } from './formats.js';
import { escapeHtml } from '../util/text.js';
import { clean } from './xml.js';

export const LINKS_FILE = 'feed-links.html';

/**
 * `<link rel="alternate">` tags announcing a feed set, for the `<head>` of the
 * site's pages, so browsers and readers discover the feeds from a page URL.
 * The primary format (feeds.primary) comes first: readers that take one feed
 * from a page take the first.
 */
export function renderLinks(set: FeedSet, primary: FeedFormatKey): string {
  const formats = [...FEED_FORMATS].sort((a, b) => Number(b.key === primary) - Number(a.key === primary));
  return formats.map(
    (f) => `<link rel="alternate" type="${f.type}" title="${escapeHtml(clean(`${set.title} (${f.label})`))}" href="${escapeHtml(set.urls[f.key])}">\n`,
  ).join('');
}
