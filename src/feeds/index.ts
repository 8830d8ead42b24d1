import { FEED_FORMATS, type FeedFormatKey } from '../config/feed-formats.js';
import { publicUrls } from '../config/urls.js';
import type { Site } from '../content/model.js';
import type { OutputFile } from '../output/files.js';
import { archivePath, archivePlan, type ArchivePage } from './archive.js';
import { renderAtom, type History } from './atom.js';
import { HEADERS_FILE, renderHeaders } from './caching.js';
import { channel, siteMeta, STYLESHEET_FILE, type SiteMeta } from './channel.js';
import { feedSet, type FeedSet } from './formats.js';
import { newestUpdate, toFeedItem, type FeedItem } from './item.js';
import { renderJson } from './json.js';
import { LINKS_FILE, renderLinks } from './links.js';
import { OPML_FILE, renderOpml, TAGS_OPML_FILE } from './opml.js';
import { renderRss } from './rss.js';
import { STYLESHEET } from './stylesheet.js';
import { tagFeeds } from './tags.js';

export { imageFiles } from './images.js';

/**
 * Files leave as UTF-8 bytes: a document with one character outside Latin-1
 * is held by V8 at two bytes per character, and a build holds tens of MB.
 */
function file(path: string, content: string): OutputFile {
  return { path, content: Buffer.from(content, 'utf8') };
}

interface Subscription {
  /** Newest first: what RSS and JSON Feed carry (feeds.items at most). */
  items: FeedItem[];
  /** What the Atom document carries: the same, or more when older entries are not archived yet. */
  atomItems: FeedItem[];
  /** Every entry of the feed is in `atomItems` (RFC 5005 `fh:complete`). */
  complete: boolean;
  /** The newest archive page, for `prev-archive`. */
  prevArchive?: string;
}

/** The three formats of one subscription feed, plus its discovery snippet. */
function feedFiles(meta: SiteMeta, set: FeedSet, sub: Subscription, stylesheet: boolean, primary: FeedFormatKey): OutputFile[] {
  const ch = (items: FeedItem[], complete: boolean) => channel(meta, { ...set, items, dir: set.dir, stylesheet, subscription: true, complete });
  // RFC 5005 is Atom's: only the Atom document says it is complete.
  const rss = ch(sub.items, false);
  const atom = ch(sub.atomItems, sub.complete);
  return [
    file(`${set.dir}rss.xml`, renderRss(meta, rss, set.urls.rss)),
    file(`${set.dir}atom.xml`, renderAtom(meta, atom, set.urls.atom, sub.prevArchive ? { archive: false, prevArchive: sub.prevArchive } : undefined)),
    file(`${set.dir}feed.json`, renderJson(meta, rss, set.urls.json)),
    file(`${set.dir}${LINKS_FILE}`, renderLinks(set, primary)),
  ];
}

/** One page of the site's Atom archive; each names the subscription feed as `current`, whose id it shares. */
function archiveFile(meta: SiteMeta, set: FeedSet, page: ArchivePage, stylesheet: boolean, url: (page: number) => string): OutputFile {
  const ch = channel(meta, {
    // No page count in the title: a full page must not change when a new page starts.
    title: `${meta.title} (archive page ${page.number})`,
    description: meta.description,
    home: set.home,
    items: page.items,
    dir: 'archive/',
    stylesheet,
    subscription: false,
  });
  const history: History = {
    archive: page.archived,
    current: set.urls.atom,
    ...(page.number > 1 ? { prevArchive: url(page.number - 1) } : {}),
    // Only an archived page links forward, to the page after it, which is always written.
    ...(page.archived ? { nextArchive: url(page.number + 1) } : {}),
  };
  return file(archivePath(page.number), renderAtom(meta, ch, url(page.number), history));
}

/**
 * Every feed file of the site: rss.xml, atom.xml, feed.json (newest
 * `feeds.items` entries; atom.xml also every entry not yet on an archive
 * page), the same per tag under tags/<slug>/, the Atom archive under
 * archive/, feeds.opml, tags.opml, feed-links.html, feed.xsl and _headers.
 * Pure: the same site gives the same bytes, whatever the time.
 */
export function renderFeeds(site: Site): OutputFile[] {
  const { config } = site;
  const meta = siteMeta(config);
  const urls = publicUrls(config);
  const archiveUrl = (n: number) => urls.file(archivePath(n));
  const { stylesheet, primary, items: limit } = config.feeds;
  // One FeedItem per entry: the site, tag and archive documents share them.
  const all = site.entries.map((e) => toFeedItem(e, meta.url, config.site.author, config.feeds.content.prepend));

  const main = feedSet(urls, '', { title: meta.title, description: meta.description, home: meta.url });
  const plan = archivePlan(all, config.feeds.archivePageSize, limit);
  const archived = plan.pages.filter((p) => p.archived);
  const files: OutputFile[] = feedFiles(
    meta,
    main,
    {
      items: all.slice(0, limit),
      atomItems: plan.current,
      complete: archived.length === 0,
      ...(archived.length > 0 ? { prevArchive: archiveUrl(archived.length) } : {}),
    },
    stylesheet,
    primary,
  );

  const tagSets: FeedSet[] = [];
  if (config.feeds.tags) {
    for (const tag of tagFeeds(all, limit)) {
      const dir = `tags/${tag.slug}/`;
      const set = feedSet(urls, dir, {
        title: `${meta.title}: ${tag.name}`,
        description: `Stories tagged “${tag.name}” from ${meta.title}`,
        home: meta.url,
      });
      tagSets.push(set);
      files.push(...feedFiles(meta, set, { items: tag.items, atomItems: tag.items, complete: tag.complete }, stylesheet, primary));
    }
  }

  for (const page of plan.pages) files.push(archiveFile(meta, main, page, stylesheet, archiveUrl));
  const updated = newestUpdate(all);
  files.push(file(OPML_FILE, renderOpml(meta, `${meta.title}: feeds`, [main], primary, updated)));
  if (tagSets.length > 0) files.push(file(TAGS_OPML_FILE, renderOpml(meta, `${meta.title}: tags`, tagSets, primary, updated)));
  if (stylesheet) files.push(file(STYLESHEET_FILE, STYLESHEET));
  if (config.output.headers) {
    const filling = plan.pages.find((p) => !p.archived);
    files.push(
      file(
        HEADERS_FILE,
        renderHeaders(
          urls,
          FEED_FORMATS.map((f) => f.file),
          tagSets.length > 0 ? 'tags/' : undefined,
          archived.map((p) => archivePath(p.number)),
          filling && archivePath(filling.number),
        ),
      ),
    );
  }
  return files;
}
