import { decodeEntities, leadParagraphs, saysText } from './html-text.js';
import type { Entry } from './model.js';

/**
 * What opens an article wherever it is shown in full: its standfirst and its
 * lead image. The feeds put them at the top of the body (feeds.content.prepend)
 * and the digest shows them above the lead story, so both take them from here.
 */
export interface Opening {
  /** The standfirst, plain text; absent when the body's first paragraph already says it, and for a teaser (whose summary is its body). */
  standfirst?: string;
  /** The lead image; absent when the body already starts with that picture. */
  image?: OpeningImage;
}

export interface OpeningImage {
  /** Absolute URL. */
  url: string;
  alt: string;
  caption?: string;
}

// The first element of a body when it is a picture alone: `<p><img …>` or `<figure><img …>`.
const FIRST_PICTURE = /^\s*<(?:p|figure)>\s*<img\s[^>]*?\bsrc="([^"]*)"/;

/** The opening of an entry: each part once, never repeating what the body already starts with. */
export function opening(entry: Entry): Opening {
  const out: Opening = {};
  if (entry.kind === 'article' && entry.description.trim() !== '') {
    const firstParagraph = leadParagraphs(entry.html, 1)[0];
    if (firstParagraph === undefined || !saysText(firstParagraph, entry.description)) out.standfirst = entry.description;
  }
  const image = entry.image;
  const picture = FIRST_PICTURE.exec(entry.html);
  if (image && !(picture && decodeEntities(picture[1]!) === image.url)) {
    out.image = { url: image.url, alt: image.alt, ...(image.caption ? { caption: image.caption } : {}) };
  }
  return out;
}
