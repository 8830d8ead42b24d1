import type { FeedItem } from './item.js';

/**
 * RFC 5005 archive pages. Pages are numbered from the oldest entry, so page 1
 * holds the first `size` entries ever published and a full page never changes
 * when new entries arrive (only an edit to one of its own entries changes it).
 * The newest page is the one being filled; it always exists, even empty right
 * after the previous one filled up, so a full page's next-archive link never
 * has to be added later.
 */

export const ARCHIVE_DIR = 'archive';

export function archivePath(page: number): string {
  return `${ARCHIVE_DIR}/${page}.xml`;
}

export interface ArchivePage {
  /** 1 is the oldest. */
  number: number;
  /** Newest first, like every feed. */
  items: FeedItem[];
}

/** `items` newest first (as the site lists them); every item lands on exactly one page. */
export function archivePages(items: readonly FeedItem[], size: number): ArchivePage[] {
  const total = items.length;
  const count = Math.floor(total / size) + 1;
  const pages: ArchivePage[] = [];
  for (let n = 1; n <= count; n++) {
    // Oldest-first index range [from, to) mapped onto the newest-first array.
    const from = (n - 1) * size;
    const to = Math.min(n * size, total);
    pages.push({ number: n, items: items.slice(total - to, total - from) });
  }
  return pages;
}
