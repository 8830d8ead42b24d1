import type { SiteMeta } from './channel.js';
import { FEED_FORMATS } from '../config/urls.js';
import type { FeedSet } from './formats.js';
import { attrs, element, XML_DECLARATION } from './xml.js';

export const OPML_FILE = 'feeds.opml';

function outlines(set: FeedSet, indent: string): string {
  return FEED_FORMATS.map((f) => {
    const a = attrs({
      text: `${set.title} (${f.label})`,
      title: `${set.title} (${f.label})`,
      description: set.description,
      type: 'rss',
      // OPML 2.0 names versions only for RSS; Atom and JSON Feed readers go by the document.
      version: f.key === 'rss' ? 'RSS2' : undefined,
      xmlUrl: set.urls[f.key],
      htmlUrl: set.home,
    });
    return `${indent}<outline${a}/>\n`;
  }).join('');
}

/** OPML 2.0 subscription list: every feed in every format, tags in their own outline. */
export function renderOpml(site: SiteMeta, main: FeedSet, tags: readonly FeedSet[], updated: Date): string {
  let out = `${XML_DECLARATION}\n<opml version="2.0">\n  <head>\n`;
  out += `    ${element('title', `${site.title}: feeds`)}\n`;
  out += `    ${element('dateModified', updated.toUTCString())}\n`;
  out += `    ${element('ownerName', site.author.name)}\n`;
  if (site.author.email) out += `    ${element('ownerEmail', site.author.email)}\n`;
  out += `    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n`;
  out += outlines(main, '    ');
  if (tags.length > 0) {
    out += `    <outline${attrs({ text: 'Tags', title: 'Tags' })}>\n`;
    for (const t of tags) out += outlines(t, '      ');
    out += '    </outline>\n';
  }
  out += '  </body>\n</opml>\n';
  return out;
}
