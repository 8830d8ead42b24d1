import type { SiteMeta } from './channel.js';
import type { FeedFormatKey } from '../config/feed-formats.js';
import type { FeedSet } from './formats.js';
import { escapeHtml } from '../util/text.js';
import { attrs, clean, element, XML_DECLARATION } from './xml.js';

export const OPML_FILE = 'feeds.opml';
export const TAGS_OPML_FILE = 'tags.opml';

/**
 * OPML 2.0 reads `text`, `title` and `description` (and the head's title and
 * owner) as HTML, so plain text is escaped as HTML before it is escaped as XML:
 * a tag named "R&D <lab>" must not become markup in a reader.
 */
const html = (s: string) => escapeHtml(clean(s));

/** One feed, in one format. `type="rss"` is OPML's word for any subscription, whatever its format. */
function outline(set: FeedSet, format: FeedFormatKey): string {
  const a = attrs({
    text: html(set.title),
    title: html(set.title),
    description: html(set.description),
    type: 'rss',
    // OPML 2.0 names versions only for RSS; Atom and JSON Feed readers go by the document.
    version: format === 'rss' ? 'RSS2' : undefined,
    xmlUrl: set.urls[format],
    htmlUrl: set.home,
  });
  return `    <outline${a}/>\n`;
}

/**
 * An OPML 2.0 subscription list of the given feeds, each once, in the site's
 * primary format (feeds.primary): importing it subscribes a reader to each
 * feed once, not to the same stories three times.
 */
export function renderOpml(site: SiteMeta, title: string, sets: readonly FeedSet[], format: FeedFormatKey, updated: Date): string {
  let out = `${XML_DECLARATION}\n<opml version="2.0">\n  <head>\n`;
  out += `    ${element('title', html(title))}\n`;
  out += `    ${element('dateModified', updated.toUTCString())}\n`;
  out += `    ${element('ownerName', html(site.author.name))}\n`;
  if (site.author.email) out += `    ${element('ownerEmail', site.author.email)}\n`;
  out += '  </head>\n  <body>\n';
  for (const set of sets) out += outline(set, format);
  out += '  </body>\n</opml>\n';
  return out;
}
