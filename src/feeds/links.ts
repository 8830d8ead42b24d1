import { FEED_FORMATS } from '../config/urls.js';
import type { FeedSet } from './formats.js';
import { escapeHtml } from '../util/text.js';
import { clean } from './xml.js';

export const LINKS_FILE = 'feed-links.html';

/**
 * `<link rel="alternate">` tags announcing a feed set, for the `<head>` of the
 * site's pages, so browsers and readers discover the feeds from a page URL.
 */
export function renderLinks(set: FeedSet): string {
  return FEED_FORMATS.map(
    (f) => `<link rel="alternate" type="${f.type}" title="${escapeHtml(clean(`${set.title} (${f.label})`))}" href="${escapeHtml(set.urls[f.key])}">\n`,
  ).join('');
}
