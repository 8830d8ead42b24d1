import type { Author } from '../config/schema.js';
import type { Config } from '../config/load.js';
import type { Problem } from '../errors.js';
import type { LocalFile } from './local-files.js';

export type { Author, LocalFile };

export interface EntryImage {
  /** Absolute URL readers fetch. */
  url: string;
  alt: string;
  /** Plain text shown under the image. */
  caption?: string;
  /** MIME type sniffed from the file's bytes (local) or given in front matter. */
  type?: string;
  /** Size in bytes, for local files. */
  length?: number;
}

/** An audio or video file (or a document) attached to an entry: RSS `enclosure`, Atom `link rel="enclosure"`, JSON Feed `attachments`. */
export interface EntryEnclosure {
  /** Absolute URL readers fetch. */
  url: string;
  /** MIME type: read from a local file's bytes, or given in front matter. */
  type: string;
  /** Size in bytes: a local file's own, or from front matter; 0 when unknown. */
  length: number;
  title?: string;
}

/**
 * One published item. An article has a body; a teaser is a related story with
 * a title, a summary and a link, and no body.
 */
export interface Entry {
  kind: 'article' | 'teaser';
  /** Source file, relative to the project root, for messages. */
  file: string;
  slug: string;
  /** Stable identifier (a URI); the canonical URL unless front matter sets `id`. */
  id: string;
  /** Absolute canonical URL. */
  url: string;
  title: string;
  /** The standfirst of an article, the summary of a teaser; plain text. */
  description: string;
  date: Date;
  updated?: Date;
  authors: Author[];
  tags: string[];
  image?: EntryImage;
  enclosure?: EntryEnclosure;
  /** The entry's language when it differs from the site's (front matter `lang`). */
  lang?: string;
  /** Sanitised body HTML with absolute links; empty for teasers. */
  html: string;
  /** Every local file the entry uses (its image, enclosure, and the images and media of its body), copied into the output. */
  files: LocalFile[];
  /** Slugs of the teasers shown with this entry. */
  related: string[];
}

export interface Site {
  config: Config;
  /** Published entries (no drafts, none dated after the clock), newest first. */
  entries: Entry[];
  bySlug: ReadonlyMap<string, Entry>;
  /** Non-fatal findings, e.g. characters dropped because XML cannot carry them. */
  warnings: Problem[];
  /** Drafts and scheduled entries that exist but are not published. */
  unpublished: { slug: string; file: string; reason: 'draft' | 'scheduled' }[];
}

/** The newest article (not teaser) and the teasers it names, in its order. */
export function leadStory(site: Site): { lead: Entry; related: Entry[] } | undefined {
  const lead = site.entries.find((e) => e.kind === 'article');
  if (!lead) return undefined;
  const related = lead.related.map((slug) => site.bySlug.get(slug)).filter((e): e is Entry => e !== undefined);
  return { lead, related };
}
