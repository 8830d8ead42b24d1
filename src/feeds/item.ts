import type { Author, Entry } from '../content/model.js';
import { opening, type Opening } from '../content/opening.js';
import { BroadsheetError } from '../errors.js';
import { openingHtml, safeHtml, teaserHtml, type OpeningPart } from './html.js';
import { lazy } from '../util/lazy.js';
import { absoluteUrl } from '../util/url.js';
import { clean, escapeText, isoDate } from './xml.js';

/**
 * An entry as every feed format sees it: plain strings already stripped of
 * characters XML cannot carry (writers may rely on it), absolute URLs, safe
 * HTML, and both dates. Each
 * format renders from this, so the three formats cannot disagree.
 */
export interface FeedItem {
  entry: Entry;
  /** Stable id: a URI. */
  id: string;
  /** Absolute canonical URL. */
  url: string;
  /** Plain text. */
  title: string;
  /** Plain text: the standfirst, or a teaser's summary. */
  summary: string;
  /** The summary as HTML (`&`, `<`, `>` escaped), for RSS description and Atom summary. */
  summaryHtml: string;
  /**
   * What opens the body (the parts of the opening `feeds.content.prepend`
   * names), or ''. Every format writes it, then `contentHtml`. Kept apart so
   * that the body stays the entry's own string: a joined copy of every body
   * would stay in memory for the whole build.
   *
   * This and `contentHtml` are made when first read: a build renders the
   * bodies of the items it writes, and a rebuild whose archive pages come
   * from the build cache writes a few hundred, not every entry's.
   */
  openingHtml: string;
  /** Full body HTML; for a teaser, its summary and a "Read more" link. */
  contentHtml: string;
  published: Date;
  /** `updated` when set, otherwise the publication date. */
  updated: Date;
  /** The two dates in RFC 3339, computed once for every document the item appears in. */
  publishedIso: string;
  updatedIso: string;
  authors: FeedAuthor[];
  tags: string[];
  image?: FeedImage;
  /** An audio or video file (or document) attached to the entry. */
  enclosure?: FeedEnclosure;
  /** The entry's language tag, when front matter sets `lang`. */
  language?: string;
}

export interface FeedAuthor {
  name: string;
  email?: string;
  url?: string;
}

export interface FeedImage {
  url: string;
  alt: string;
  /** Known MIME type (sniffed from a local file or given in front matter); never guessed from the name. */
  type?: string;
  length?: number;
}

export interface FeedEnclosure {
  url: string;
  type: string;
  /** Bytes; 0 when unknown (RSS requires the attribute). */
  length: number;
  title?: string;
}

const MIME_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/i;
const LANGUAGE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

/** A URI as-is, or `undefined` when it has no scheme or holds characters an IRI cannot. */
function asUri(s: string): string | undefined {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|\\^`]+$/.test(s) ? s : undefined;
}

/** Absolute URL against `base`, without characters XML cannot carry; an http(s) or mailto URL, else `undefined`. */
export function absolute(url: string, base: string): string | undefined {
  return absoluteUrl(clean(url), base);
}

function checkedDate(d: Date | undefined, entry: Entry, field: string): Date | undefined {
  if (d === undefined) return undefined;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new BroadsheetError('CONTENT_INVALID', `${entry.file}: ${field} is not a valid date`, {
      problems: [{ file: entry.file, field, message: 'is not a valid date' }],
    });
  }
  return d;
}

function feedAuthor(a: Author, base: string): FeedAuthor | undefined {
  const name = clean(a.name).trim();
  if (!name) return undefined;
  const out: FeedAuthor = { name };
  const email = a.email ? clean(a.email).trim() : '';
  if (/^[^\s<>@"]+@[^\s<>@"]+$/.test(email)) out.email = email;
  const url = a.url ? absolute(a.url, base) : undefined;
  if (url) out.url = url;
  return out;
}

/** An entry's `updated` as its feed item has it: the later of its date and its update. */
export function itemUpdated(entry: Entry): Date {
  const published = checkedDate(entry.date, entry, 'date')!;
  const updated = checkedDate(entry.updated, entry, 'updated') ?? published;
  return updated < published ? published : updated;
}

/** An entry's tags as its feed item has them: clean, trimmed, none empty, each once. */
export function itemTags(entry: Entry): string[] {
  return [...new Set(entry.tags.map((t) => clean(t).trim()).filter((t) => t !== ''))];
}

/** Builds the FeedItem of an entry; `siteUrl` resolves anything left relative; `prepend` opens the body (feeds.content.prepend). */
export function toFeedItem(entry: Entry, siteUrl: string, fallbackAuthor: Author, prepend: readonly OpeningPart[] = []): FeedItem {
  const url = absolute(entry.url, siteUrl);
  if (!url) {
    throw new BroadsheetError('CONTENT_INVALID', `${entry.file}: url "${entry.url}" is not an http(s) URL`, {
      problems: [{ file: entry.file, field: 'url', message: `"${entry.url}" is not an http(s) URL` }],
    });
  }
  const rawId = clean(entry.id).trim();
  // The same id whichever format is read: an id that is the URL follows its normalised form.
  const id = rawId === entry.url ? url : (asUri(rawId) ?? absolute(rawId, url) ?? url);
  const published = checkedDate(entry.date, entry, 'date')!;
  const latest = itemUpdated(entry);
  const summary = clean(entry.description);
  const authors = entry.authors.map((a) => feedAuthor(a, siteUrl)).filter((a): a is FeedAuthor => a !== undefined);
  const fallback = feedAuthor(fallbackAuthor, siteUrl);
  const item: FeedItem = {
    entry,
    id,
    url,
    title: clean(entry.title),
    summary,
    summaryHtml: escapeText(summary),
    openingHtml: '',
    contentHtml: '',
    published,
    updated: latest,
    publishedIso: isoDate(published),
    updatedIso: isoDate(latest),
    authors: authors.length > 0 ? authors : fallback ? [fallback] : [],
    tags: itemTags(entry),
  };
  if (entry.image) {
    const imageUrl = absolute(entry.image.url, url);
    if (imageUrl && !imageUrl.startsWith('mailto:')) {
      item.image = { url: imageUrl, alt: clean(entry.image.alt) };
      if (entry.image.type && MIME_TYPE.test(entry.image.type)) item.image.type = entry.image.type;
      if (Number.isSafeInteger(entry.image.length) && entry.image.length! >= 0) item.image.length = entry.image.length!;
    }
  }
  if (entry.enclosure) {
    const { type, length, title } = entry.enclosure;
    const enclosureUrl = absolute(entry.enclosure.url, url);
    // An enclosure without a known type would make an invalid RSS enclosure: the content stage never produces one.
    if (enclosureUrl && !enclosureUrl.startsWith('mailto:') && MIME_TYPE.test(type)) {
      item.enclosure = { url: enclosureUrl, type, length: Number.isSafeInteger(length) && length >= 0 ? length : 0 };
      const cleanTitle = title ? clean(title).trim() : '';
      if (cleanTitle) item.enclosure.title = cleanTitle;
    }
  }
  if (entry.lang && LANGUAGE.test(entry.lang)) item.language = entry.lang;
  lazy(item, 'contentHtml', () => (entry.kind === 'teaser' || entry.html.trim() === '' ? teaserHtml(summary, url) : safeHtml(entry, url)));
  if (prepend.length > 0) lazy(item, 'openingHtml', () => openingHtml(cleanOpening(entry), item.image, prepend));
  return item;
}

/** The opening with its text stripped of characters XML cannot carry, like every string of a FeedItem. */
function cleanOpening(entry: Entry): Opening {
  const open = opening(entry);
  if (open.standfirst !== undefined) open.standfirst = clean(open.standfirst);
  if (open.image?.caption !== undefined) open.image.caption = clean(open.image.caption);
  return open;
}

/** The newest date among the items (or the entries they are made from): a feed's `updated`, never the time of the build. */
export function newestUpdate(items: readonly FeedItem[] | readonly Entry[]): Date {
  let newest = 0;
  for (const i of items) newest = Math.max(newest, ('entry' in i ? i.updated : itemUpdated(i)).getTime());
  // An empty feed has no date of its own; the epoch keeps the output reproducible.
  return new Date(newest);
}
