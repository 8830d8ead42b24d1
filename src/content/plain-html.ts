import type { Entry } from './model.js';

/**
 * Entries whose HTML the content stage rendered from plain Markdown (see
 * RenderedBody.plain), so the feeds need not scan it again. Kept by entry,
 * with the HTML itself: an entry whose html is changed afterwards, or one
 * made anywhere else, is checked as before.
 */
const plain = new WeakMap<Entry, string>();

export function markPlainHtml(entry: Entry): void {
  plain.set(entry, entry.html);
}

export function isPlainHtml(entry: Entry): boolean {
  return plain.get(entry) === entry.html;
}
