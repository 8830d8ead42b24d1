import { FEED_FORMATS, type FeedFormatKey } from '../config/feed-formats.js';
import { publicUrls } from '../config/urls.js';
import { sourceKey } from '../content/cache.js';
import type { Entry, Site } from '../content/model.js';
import type { OutputFile } from '../output/files.js';
import { archivePath, archivePlan, type ArchivePage } from './archive.js';
import { renderAtom, type History } from './atom.js';
import { HEADERS_FILE, renderHeaders } from './caching.js';
import { channel, siteMeta, STYLESHEET_FILE, type SiteMeta } from './channel.js';
import { feedSet, type FeedSet } from './formats.js';
import { itemTags, newestUpdate, toFeedItem, type FeedItem } from './item.js';
import { renderJson } from './json.js';
import { LINKS_FILE, renderLinks } from './links.js';
import { OPML_FILE, renderOpml, TAGS_OPML_FILE } from './opml.js';
import { renderRss } from './rss.js';
import { STYLESHEET } from './stylesheet.js';
import { tagFeeds } from './tags.js';
import { cacheKey, CachePack, codeFingerprint, type Pack, type PackOptions } from '../util/cache.js';

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
  entries: Entry[];
  /** What the Atom document carries: the same, or more when older entries are not archived yet. */
  atomEntries: Entry[];
  /** Every entry of the feed is in `atomEntries` (RFC 5005 `fh:complete`). */
  complete: boolean;
  /** The newest archive page, for `prev-archive`. */
  prevArchive?: string;
}

/** What every cached feed document shares: the pack, the settings that make an entry an item, and what the output folder holds. */
interface FeedCache {
  pack: FeedPack;
  itemSettings: string;
  onDisk?: OnDisk;
}

/** True when the output folder holds the bytes of `identity` at `path` (output/known.ts). */
export type OnDisk = (path: string, identity: string) => boolean;

/** A file the output folder already holds: its bytes are neither read from the cache nor written. */
const onDiskFile = (path: string, identity: string): OutputFile => ({ path, content: EMPTY, identity, onDisk: true });
const EMPTY = new Uint8Array(0);

/**
 * The three formats of one subscription feed, plus its discovery snippet.
 * With `cache`, the three documents come from the build cache when the
 * feed's entries and values are those of an earlier build (see FeedPack).
 */
function feedFiles(meta: SiteMeta, set: FeedSet, sub: Subscription, itemOf: (e: Entry) => FeedItem, stylesheet: boolean, primary: FeedFormatKey, cache?: FeedCache): OutputFile[] {
  const links = file(`${set.dir}${LINKS_FILE}`, renderLinks(set, primary));
  const paths = [`${set.dir}rss.xml`, `${set.dir}atom.xml`, `${set.dir}feed.json`];
  const render = (): OutputFile[] => {
    const ch = (items: FeedItem[], complete: boolean) => channel(meta, { ...set, items, dir: set.dir, stylesheet, subscription: true, complete });
    const items = sub.entries.map(itemOf);
    // RFC 5005 is Atom's: only the Atom document says it is complete.
    const rss = ch(items, false);
    const atom = ch(sub.atomEntries.map(itemOf), sub.complete);
    return [
      file(paths[0]!, renderRss(meta, rss, set.urls.rss)),
      file(paths[1]!, renderAtom(meta, atom, set.urls.atom, sub.prevArchive ? { archive: false, prevArchive: sub.prevArchive } : undefined)),
      file(paths[2]!, renderJson(meta, rss, set.urls.json)),
    ];
  };
  const key = cache && documentKey([meta, set, stylesheet, sub.complete, sub.prevArchive ?? null, sub.entries.length], [...sub.entries, ...sub.atomEntries], cache.itemSettings);
  if (key === undefined) return [...render(), links];
  const identities = paths.map((_, i) => `${key}:${i}`);
  const kept = cache!.pack.get(key);
  if (kept) {
    const onDisk = cache!.onDisk;
    if (onDisk && paths.every((p, i) => onDisk(p, identities[i]!))) return [...paths.map((p, i) => onDiskFile(p, identities[i]!)), links];
    const bytes = kept.bytes();
    let at = 0;
    return [
      ...kept.meta.map((length, i) => {
        const content = bytes.subarray(at, at + length);
        at += length;
        return { path: paths[i]!, content, identity: identities[i]! };
      }),
      links,
    ];
  }
  const made = render();
  const contents = made.map((f) => f.content as Uint8Array);
  cache!.pack.put(
    key,
    contents.map((c) => c.length),
    Buffer.concat(contents),
  );
  return [...made.map((f, i) => ({ ...f, identity: identities[i]! })), links];
}

/**
 * Feed documents in the build cache (util/cache.ts): the `archive` pack
 * keeps archive pages (the page being filled among them), the `feeds` pack
 * the subscription documents (RSS, Atom and JSON Feed of the site and of
 * each tag). A document changes only when one of its entries or a setting
 * does (an archived page, by RFC 5005,
 * should never change), so its bytes are kept, keyed by everything it is
 * rendered from: the document's own values (site, channel, links) and, for
 * each entry, a hash of the entry as read (content/cache.ts `sourceKey`)
 * and the settings that make it an item. A rebuild after one
 * article changed renders the documents that show it, and no other.
 */
export type ArchivePack = Pack<null>;
/** Each record: the RSS, Atom and JSON Feed documents of one feed, one after another; the meta is their lengths. */
export type FeedPack = Pack<number[]>;

/** Archived pages are 100 entries each, bodies included: 35 MB for 10,000 entries, about two pages a file. */
const SHARDS = 64;

export function openArchivePack(cacheDir: string | undefined, options: Omit<PackOptions, 'keep'> = {}): ArchivePack | undefined {
  return CachePack.open<null>(cacheDir, 'archive', { ...options, keep: 'used', shards: SHARDS });
}

export function openFeedPack(cacheDir: string | undefined, options: Omit<PackOptions, 'keep'> = {}): FeedPack | undefined {
  return CachePack.open<number[]>(cacheDir, 'feeds', { ...options, keep: 'used' });
}

/** The packages whose versions are part of a feed document's key (a test holds it to the imports under src/feeds/). */
export const FEED_PACKAGES = ['feed', 'sanitize-html'];

/** The key of a feed document, or nothing when an entry has no cache key (a build without the cache). */
function documentKey(document: unknown, entries: readonly Entry[], itemSettings: string): string | undefined {
  const keys: string[] = [];
  for (const entry of entries) {
    const key = sourceKey(entry);
    if (key === undefined) return undefined;
    keys.push(key);
  }
  // Every package whose code shapes a feed document: `feed` writes RSS (with xml-js), sanitize-html the content.
  return cacheKey(codeFingerprint(FEED_PACKAGES), JSON.stringify(document), itemSettings, ...keys);
}

/** One page of the site's Atom archive; each names the subscription feed as `current`, whose id it shares. */
function archiveFile(
  meta: SiteMeta,
  set: FeedSet,
  entryPage: ArchivePage<Entry>,
  itemOf: (e: Entry) => FeedItem,
  stylesheet: boolean,
  url: (page: number) => string,
  cache?: { pack: ArchivePack; itemSettings: string; onDisk?: OnDisk },
): OutputFile {
  const page = entryPage;
  const fields = {
    // No page count in the title: a full page must not change when a new page starts.
    title: `${meta.title} (archive page ${page.number})`,
    description: meta.description,
    home: set.home,
    dir: 'archive/',
    stylesheet,
    subscription: false,
  };
  const history: History = {
    archive: page.archived,
    current: set.urls.atom,
    ...(page.number > 1 ? { prevArchive: url(page.number - 1) } : {}),
    // Only an archived page links forward, to the page after it, which is always written.
    ...(page.archived ? { nextArchive: url(page.number + 1) } : {}),
  };
  const at = archivePath(page.number);
  const render = () => file(at, renderAtom(meta, channel(meta, { ...fields, items: page.items.map(itemOf) }), url(page.number), history));
  // The key holds what channel() makes the document from (its `updated` is its newest entry's). The page
  // being filled is kept too: it changes with the next entry, under a new key, but a rebuild after an
  // older article changed finds it (100 entries rendered again for nothing, before).
  const key = cache && documentKey([meta, fields, newestUpdate(page.items), url(page.number), history], page.items, cache.itemSettings);
  if (key === undefined) {
    // Without the cache nothing needs the page's bytes before they are written: it is rendered when they
    // are read (writeOutputs reads a few files at a time) and not kept, so a build does not hold the whole
    // archive at once (34 MB for 10,000 articles). Rendering is pure: every read gives the same bytes.
    return {
      path: at,
      get content() {
        return render().content;
      },
    };
  }
  const kept = cache!.pack.get(key);
  if (kept) return cache!.onDisk?.(at, key) ? onDiskFile(at, key) : { path: at, content: kept.bytes(), identity: key };
  const made = render();
  cache!.pack.put(key, null, made.content as Uint8Array);
  return { ...made, identity: key };
}

/**
 * Every feed file of the site: rss.xml, atom.xml, feed.json (newest
 * `feeds.items` entries; atom.xml also every entry not yet on an archive
 * page), the same per tag under tags/<slug>/, the Atom archive under
 * archive/, feeds.opml, tags.opml, feed-links.html, feed.xsl and _headers.
 * Pure: the same site gives the same bytes, whatever the time, with or
 * without `packs` (the build cache's documents). With `onDisk`, a cached
 * document the output folder already holds comes back marked `onDisk`,
 * without its bytes. Without the archive pack, an archive page's bytes are
 * made each time its `content` is read (archiveFile).
 */
export function renderFeeds(site: Site, packs: { archive?: ArchivePack; feeds?: FeedPack; onDisk?: OnDisk } = {}): OutputFile[] {
  const { config } = site;
  const meta = siteMeta(config);
  const urls = publicUrls(config);
  const archiveUrl = (n: number) => urls.file(archivePath(n));
  const { stylesheet, primary, items: limit } = config.feeds;
  // One FeedItem per entry, made when a document first needs it: the site and tag documents share them,
  // and an archive page from the build cache needs none.
  const items = new Map<Entry, FeedItem>();
  const makeItem = (e: Entry) => toFeedItem(e, meta.url, config.site.author, config.feeds.content.prepend);
  const itemOf = (e: Entry) => {
    let item = items.get(e);
    if (!item) items.set(e, (item = makeItem(e)));
    return item;
  };
  // An archive page shows entries most of which no other document does: their items are made for the
  // page and dropped with it, not kept in `items` (a page may be rendered only when it is written).
  const archiveItemOf = (e: Entry) => items.get(e) ?? makeItem(e);
  const all = site.entries;

  const main = feedSet(urls, '', { title: meta.title, description: meta.description, home: meta.url });
  const plan = archivePlan(all, config.feeds.archivePageSize, limit);
  const archived = plan.pages.filter((p) => p.archived);
  const itemSettings = JSON.stringify([meta.url, config.site.author, config.feeds.content.prepend]);
  const feedCache = packs.feeds && { pack: packs.feeds, itemSettings, onDisk: packs.onDisk };
  const files: OutputFile[] = feedFiles(
    meta,
    main,
    {
      entries: all.slice(0, limit),
      atomEntries: plan.current,
      complete: archived.length === 0,
      ...(archived.length > 0 ? { prevArchive: archiveUrl(archived.length) } : {}),
    },
    itemOf,
    stylesheet,
    primary,
    feedCache,
  );

  const tagSets: FeedSet[] = [];
  if (config.feeds.tags) {
    for (const tag of tagFeeds(all, limit, itemTags)) {
      const dir = `tags/${tag.slug}/`;
      const set = feedSet(urls, dir, {
        title: `${meta.title}: ${tag.name}`,
        description: `Stories tagged “${tag.name}” from ${meta.title}`,
        home: meta.url,
      });
      tagSets.push(set);
      files.push(...feedFiles(meta, set, { entries: tag.items, atomEntries: tag.items, complete: tag.complete }, itemOf, stylesheet, primary, feedCache));
    }
  }

  const cache = packs.archive && { pack: packs.archive, itemSettings, onDisk: packs.onDisk };
  for (const page of plan.pages) files.push(archiveFile(meta, main, page, archiveItemOf, stylesheet, archiveUrl, cache));
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
