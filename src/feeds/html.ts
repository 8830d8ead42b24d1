import type { Entry } from '../content/model.js';
import { isMarkedSanitized, sanitizeBody } from '../content/markdown.js';
import { clean, escapeHtml, escapeText } from './xml.js';

/**
 * Body HTML fit for a feed: no characters XML cannot carry, no active content
 * (scripts, event handlers, styles), every link and image absolute. HTML the
 * content stage sanitised for this very entry is trusted as is; anything else
 * (an entry built by hand, or edited after loading) is sanitised here, so the
 * feeds are safe whatever Site they are given.
 */
export function safeHtml(entry: Entry, baseUrl: string): string {
  if (isMarkedSanitized(entry)) return clean(entry.html);
  return sanitizeBody(clean(entry.html), baseUrl);
}

/** A teaser has no body: its summary and a "Read more" link to the story stand in for it. */
export function teaserHtml(summary: string, url: string): string {
  return `<p>${escapeText(summary)}</p>\n<p><a href="${escapeHtml(clean(url))}">Read more</a></p>`;
}
