import { createHash } from 'node:crypto';
import type { FeedItem } from './item.js';

/** Words for the symbols that carry meaning in tag names ("C++", "C#", "R&D"). */
const SYMBOLS: Record<string, string> = { '+': ' plus ', '#': ' sharp ', '&': ' and ', '@': ' at ' };

/**
 * A tag as a folder name: lowercase ASCII letters, digits and single hyphens,
 * so it is safe in a URL and on every file system. Accents are dropped
 * ("Café" → "cafe"); a tag with no such characters at all ("日本") gets a
 * short hash of its name instead, which is stable across builds.
 */
export function tagSlug(tag: string): string {
  const slug = tag
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[+#&@]/g, (c) => SYMBOLS[c]!)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || `tag-${createHash('sha256').update(tag).digest('hex').slice(0, 8)}`;
}

export interface TagFeed<T = FeedItem> {
  slug: string;
  /** The name shown: the most used spelling among the tags that share the slug. */
  name: string;
  /** Newest first, each entry once. */
  items: T[];
  /** True when `items` holds every entry with the tag (none left out by the limit). */
  complete: boolean;
}

/**
 * Groups items by tag slug, so "AI" and "ai" make one feed. Items keep the
 * order they come in (newest first); at most `limit` per tag. `tagsOf` gives
 * an item's tags, as a feed item holds them (for items that are entries, see
 * `itemTags`).
 */
export function tagFeeds<T = FeedItem>(items: readonly T[], limit: number, tagsOf: (item: T) => readonly string[] = (i) => (i as FeedItem).tags): TagFeed<T>[] {
  const slugs = new Map<string, string>();
  const slugOf = (tag: string) => {
    let slug = slugs.get(tag);
    if (slug === undefined) slugs.set(tag, (slug = tagSlug(tag)));
    return slug;
  };
  const groups = new Map<string, { names: Map<string, number>; items: T[]; total: number }>();
  for (const item of items) {
    const seen = new Set<string>();
    for (const tag of tagsOf(item)) {
      const slug = slugOf(tag);
      let g = groups.get(slug);
      if (!g) {
        g = { names: new Map(), items: [], total: 0 };
        groups.set(slug, g);
      }
      g.names.set(tag, (g.names.get(tag) ?? 0) + 1);
      if (seen.has(slug)) continue;
      seen.add(slug);
      g.total++;
      if (g.items.length < limit) g.items.push(item);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([slug, g]) => ({ slug, name: preferredName(g.names), items: g.items, complete: g.total === g.items.length }));
}

function preferredName(names: Map<string, number>): string {
  let best = '';
  let count = -1;
  for (const [name, n] of names) {
    if (n > count || (n === count && name < best)) [best, count] = [name, n];
  }
  return best;
}
