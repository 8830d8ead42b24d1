import { leadParagraphs, plainText } from './html-text.js';

/** The longest standfirst taken from a body, in characters, the ellipsis included: about two lines in a reader's list. */
export const STANDFIRST_MAX = 200;

/**
 * Text cut at the last word boundary that fits in `max` characters (code
 * points, so no emoji is split), with an ellipsis; a single word longer than
 * that is cut where it must be.
 */
export function cutAtWord(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 1).join('');
  const space = head.search(/\s\S*$/);
  const cut = (space > 0 ? head.slice(0, space) : head).replace(/[\s,;:.\u2013\u2014-]+$/, '');
  return `${cut}…`;
}

/**
 * The standfirst of an article whose front matter has none: the text of its
 * first paragraph that has any (a paragraph holding only an image is
 * skipped), cut at a word within STANDFIRST_MAX characters.
 */
export function standfirstFromBody(html: string): string | undefined {
  for (const p of leadParagraphs(html, 10)) {
    const text = plainText(p);
    if (text !== '') return cutAtWord(text, STANDFIRST_MAX);
  }
  return undefined;
}
