import { FEED_FORMATS, type FeedFormatKey } from '../config/feed-formats.js';
import type { PublicUrls } from '../config/urls.js';

/** A subscription feed (the site's, or a tag's) and where each of its formats lives. */
export interface FeedSet {
  title: string;
  description: string;
  /** Output folder, '' or 'tags/<slug>/'. */
  dir: string;
  home: string;
  /** Absolute URL per format. */
  urls: Record<FeedFormatKey, string>;
}

export function feedSet(urls: PublicUrls, dir: string, fields: { title: string; description: string; home: string }): FeedSet {
  const byFormat = Object.fromEntries(FEED_FORMATS.map((f) => [f.key, urls.file(dir + f.file)])) as Record<FeedFormatKey, string>;
  return { ...fields, dir, urls: byFormat };
}
