import type { Entry } from '../content/model.js';
import type { Opening } from '../content/opening.js';
import { ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ATTRIBUTE_VALUES, CODE_CLASS, REQUIRED_ATTRIBUTES, sanitizeBody } from '../content/sanitize.js';
import { escapeHtml } from '../util/text.js';
import { clean, escapeText } from './xml.js';

const TAGS = new Set(ALLOWED_TAGS);
const URL_ATTRS = new Set(['href', 'src']);
const ABSOLUTE = /^(?:https?:\/\/|mailto:)/i;
const NAME = /^[a-z][a-z0-9]*$/;
// Attributes as the content stage writes them: lowercase names, double-quoted values without < or >.
const ATTRS = /^(?:\s+[a-z][a-z0-9-]*(?:="[^"<>]*")?)*\s*\/?$/;
const ATTR = /\s+([a-z][a-z0-9-]*)(?:="([^"<>]*)")?/g;

function allowedAttribute(tag: string, name: string, value: string | undefined): boolean {
  if (!ALLOWED_ATTRIBUTES[tag]?.includes(name)) return false;
  if (URL_ATTRS.has(name)) return value !== undefined && ABSOLUTE.test(value);
  if (name === 'class') return value !== undefined && value.split(/\s+/).every((c) => CODE_CLASS.test(c));
  const allowed = ATTRIBUTE_VALUES[name];
  return allowed === undefined || allowed.test(value ?? '');
}

function allowedTag(tag: string): boolean {
  // Most tags are bare (`<p>`, `</li>`): a set lookup, no regex.
  if (TAGS.has(tag)) return true;
  const closing = tag.startsWith('/');
  const body = closing ? tag.slice(1) : tag;
  const cut = body.search(/[\s/]/);
  const name = cut === -1 ? body : body.slice(0, cut);
  if (!TAGS.has(name) || !NAME.test(name)) return false;
  const rest = cut === -1 ? '' : body.slice(cut);
  if (closing) return rest.trim() === '';
  if (!ATTRS.test(rest)) return false;
  ATTR.lastIndex = 0;
  const seen: string[] = [];
  for (let m = ATTR.exec(rest); m; m = ATTR.exec(rest)) {
    if (!allowedAttribute(name, m[1]!, m[2])) return false;
    seen.push(m[1]!);
  }
  return REQUIRED_ATTRIBUTES[name]?.every((a) => seen.includes(a)) ?? true;
}

/**
 * True when every `<` in the HTML opens an allowed tag with allowed
 * attributes and absolute URLs: the form the content stage produces. Anything
 * else (a comment, a script, an event handler, a relative link, unusual
 * quoting) is left to the sanitiser. One scan, instead of a second parse of
 * every body; and no trust in where the HTML came from.
 */
export function isSanitized(html: string): boolean {
  let lt = html.indexOf('<');
  while (lt !== -1) {
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) return false;
    const next = html.indexOf('<', lt + 1);
    if (next !== -1 && next < gt) return false;
    if (!allowedTag(html.slice(lt + 1, gt))) return false;
    lt = next;
  }
  return true;
}

/**
 * Body HTML fit for a feed: no characters XML cannot carry, no active content
 * (scripts, event handlers, styles), every link and image absolute. The feeds
 * check this themselves, so they are safe whatever Site they are given, even
 * one that never went through the content stage.
 */
export function safeHtml(entry: Entry, baseUrl: string): string {
  const html = clean(entry.html);
  return isSanitized(html) ? html : sanitizeBody(html, baseUrl);
}

/** A teaser has no body: its summary and a "Read more" link to the story stand in for it. */
export function teaserHtml(summary: string, url: string): string {
  return `<p>${escapeText(summary)}</p>\n<p><a href="${escapeHtml(clean(url))}">Read more</a></p>`;
}

/** A part of the opening that `feeds.content.prepend` can put at the top of the body. */
export type OpeningPart = 'standfirst' | 'image';

/**
 * The HTML that opens an entry's body in every format: the parts
 * `feeds.content.prepend` names, in its order, each only when the entry has
 * it (see content/opening.ts). The image is the feed's own checked copy
 * (absolute URL, clean alt text). Built from escaped text, so it is already
 * in the form `isSanitized` accepts.
 */
export function openingHtml(open: Opening, image: { url: string; alt: string } | undefined, parts: readonly OpeningPart[]): string {
  let out = '';
  for (const part of parts) {
    if (part === 'standfirst' && open.standfirst !== undefined) {
      out += `<p><em>${escapeText(open.standfirst)}</em></p>\n`;
    } else if (part === 'image' && open.image && image) {
      const caption = open.image.caption === undefined ? '' : `<figcaption>${escapeText(open.image.caption)}</figcaption>`;
      out += `<figure><img src="${escapeHtml(image.url)}" alt="${escapeHtml(image.alt)}">${caption}</figure>\n`;
    }
  }
  return out;
}
