/**
 * The three formats every subscription feed is published in: file name,
 * media type and label. Part of a site's public address scheme, so it lives
 * beside the URLs; the feeds, the digest, the server and WebSub all read it.
 */
export const FEED_FORMATS = [
  { key: 'rss', file: 'rss.xml', type: 'application/rss+xml', label: 'RSS' },
  { key: 'atom', file: 'atom.xml', type: 'application/atom+xml', label: 'Atom' },
  { key: 'json', file: 'feed.json', type: 'application/feed+json', label: 'JSON Feed' },
] as const;

export type FeedFormatKey = (typeof FEED_FORMATS)[number]['key'];
