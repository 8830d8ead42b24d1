import type { Site } from '../content/model.js';
import type { OutputFile } from '../output/files.js';

/** Every feed file of the site: rss.xml, atom.xml, feed.json (and, later, tags and archives). */
export function renderFeeds(_site: Site): OutputFile[] {
  return [];
}
