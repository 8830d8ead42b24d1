import type { FeedItem } from './item.js';

/**
 * RFC 5005 archive pages. Pages are numbered from the oldest entry, so page n
 * always holds the same `size` entries (the (n-1)·size+1-th to the n·size-th
 * ever published), whatever is published after them.
 *
 * A page is archived (published with `<fh:archive/>`) once it is full and
 * none of its entries is among the newest `keep` (feeds.items): from then on
 * it never changes. Every entry on no archived page is in the subscription
 * document (atom.xml), so following prev-archive from atom.xml reaches each
 * entry exactly once, and atom.xml always carries at least the newest `keep`
 * entries. The page after the newest archived one is written too, without
 * `<fh:archive/>` (its entries are the subscription document's), so that the
 * next-archive link of every archived page resolves from the day it is
 * published and never has to be added later. No page is ever empty.
 */

export const ARCHIVE_DIR = 'archive';

export function archivePath(page: number): string {
  return `${ARCHIVE_DIR}/${page}.xml`;
}

export interface ArchivePage<T = FeedItem> {
  /** 1 is the oldest. */
  number: number;
  /** Newest first, like every feed. */
  items: T[];
  /** True for an archived page (full, final, `<fh:archive/>`); false for the page being filled. */
  archived: boolean;
}

export interface ArchivePlan<T = FeedItem> {
  /** Archived pages, oldest first, then the page being filled; empty when the whole history fits in `current`. */
  pages: ArchivePage<T>[];
  /** The subscription document's entries, newest first: every entry on no archived page. */
  current: T[];
}

/** `items` newest first (as the site lists them): feed items, or the entries they are made from. */
export function archivePlan<T = FeedItem>(items: readonly T[], size: number, keep: number): ArchivePlan<T> {
  const total = items.length;
  const archivedPages = total > keep ? Math.floor((total - keep) / size) : 0;
  // Oldest-first index range [from, to) mapped onto the newest-first array.
  const page = (n: number, archived: boolean): ArchivePage<T> => {
    const from = (n - 1) * size;
    const to = Math.min(n * size, total);
    return { number: n, items: items.slice(total - to, total - from), archived };
  };
  const pages: ArchivePage<T>[] = [];
  for (let n = 1; n <= archivedPages; n++) pages.push(page(n, true));
  // At least `keep` (>= 1) entries are left after the archived pages, so the page being filled is never empty.
  if (archivedPages > 0) pages.push(page(archivedPages + 1, false));
  return { pages, current: items.slice(0, total - archivedPages * size) };
}
