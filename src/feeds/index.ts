import { publicUrls } from '../config/urls.js';
import type { Site } from '../content/model.js';
import type { OutputFile } from '../output/files.js';
import { archivePages, archivePath } from './archive.js';
import { renderAtom } from './atom.js';
import { channel, siteMeta, STYLESHEET_FILE, type Channel, type SiteMeta } from './channel.js';
import { feedSet, type FeedSet } from './formats.js';
import { newestUpdate, toFeedItem, type FeedItem } from './item.js';
import { renderJson } from './json.js';
import { LINKS_FILE, renderLinks } from './links.js';
import { OPML_FILE, renderOpml } from './opml.js';
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

/** The three formats of one subscription feed, plus its discovery snippet. */
function feedFiles(meta: SiteMeta, set: FeedSet, ch: Channel, prevArchive: string | undefined): OutputFile[] {
  return [
    file(`${set.dir}rss.xml`, renderRss(meta, ch, set.urls.rss)),
    file(`${set.dir}atom.xml`, renderAtom(meta, ch, set.urls.atom, prevArchive ? { archive: false, prevArchive } : undefined)),
    file(`${set.dir}feed.json`, renderJson(meta, ch, set.urls.json)),
    file(`${set.dir}${LINKS_FILE}`, renderLinks(set)),
  ];
}

/** Archive pages of the site's Atom feed, oldest first; each names the subscription feed as `current`. */
function archiveFiles(meta: SiteMeta, set: FeedSet, items: FeedItem[], pageSize: number, stylesheet: boolean, url: (page: number) => string): OutputFile[] {
  const pages = archivePages(items, pageSize);
  return pages.map((page) => {
    const ch = channel(meta, {
      // No page count in the title: a full page must not change when a new page starts.
      title: `${meta.title} (archive page ${page.number})`,
      description: meta.description,
      home: set.home,
      items: page.items,
      dir: 'archive/',
      stylesheet,
      hubs: false,
    });
    const history = {
      archive: true,
      current: set.urls.atom,
      ...(page.number > 1 ? { prevArchive: url(page.number - 1) } : {}),
      ...(page.number < pages.length ? { nextArchive: url(page.number + 1) } : {}),
    };
    return file(archivePath(page.number), renderAtom(meta, ch, url(page.number), history));
  });
}

/**
 * Every feed file of the site: rss.xml, atom.xml, feed.json (newest
 * `feeds.items` entries), the same per tag under tags/<slug>/, the Atom
 * archive under archive/, feeds.opml, feed-links.html and feed.xsl. Pure: the
 * same site gives the same bytes, whatever the time.
 */
export function renderFeeds(site: Site): OutputFile[] {
  const { config } = site;
  const meta = siteMeta(config);
  const urls = publicUrls(config);
  const archiveUrl = (n: number) => urls.file(archivePath(n));
  // One FeedItem per entry: the site, tag and archive documents share them.
  const all = site.entries.map((e) => toFeedItem(e, meta.url, config.site.author));
  const stylesheet = config.feeds.stylesheet;
  const limit = config.feeds.items;

  const main = feedSet(urls, '', { title: meta.title, description: meta.description, home: meta.url });
  const mainItems = all.slice(0, limit);
  const archive = archiveFiles(meta, main, all, config.feeds.archivePageSize, stylesheet, archiveUrl);
  const newestArchive = archiveUrl(archive.length);
  const files: OutputFile[] = feedFiles(
    meta,
    main,
    channel(meta, { ...main, items: mainItems, dir: '', stylesheet, hubs: true }),
    newestArchive,
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
      files.push(...feedFiles(meta, set, channel(meta, { ...set, items: tag.items, dir, stylesheet, hubs: true }), undefined));
    }
  }

  files.push(...archive);
  files.push(file(OPML_FILE, renderOpml(meta, main, tagSets, newestUpdate(all))));
  if (stylesheet) files.push(file(STYLESHEET_FILE, STYLESHEET));
  return files;
}
