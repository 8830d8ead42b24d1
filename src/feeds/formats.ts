/** The three formats every subscription feed is published in, and their file names and media types. */
export const FORMATS = [
  { key: 'rss', file: 'rss.xml', type: 'application/rss+xml', label: 'RSS' },
  { key: 'atom', file: 'atom.xml', type: 'application/atom+xml', label: 'Atom' },
  { key: 'json', file: 'feed.json', type: 'application/feed+json', label: 'JSON Feed' },
] as const;

export type FormatKey = (typeof FORMATS)[number]['key'];

/** A subscription feed (the site's, or a tag's) and where each of its formats lives. */
export interface FeedSet {
  title: string;
  description: string;
  /** Output folder, '' or 'tags/<slug>/'. */
  dir: string;
  home: string;
  /** Absolute URL per format. */
  urls: Record<FormatKey, string>;
}

export function feedSet(siteUrl: string, dir: string, fields: { title: string; description: string; home: string }): FeedSet {
  const urls = Object.fromEntries(FORMATS.map((f) => [f.key, new URL(dir + f.file, siteUrl).href])) as Record<FormatKey, string>;
  return { ...fields, dir, urls };
}
