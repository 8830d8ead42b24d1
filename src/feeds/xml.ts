import { hasXmlIllegalChars, stripXmlIllegalChars } from '../util/xml-chars.js';

/**
 * Escaping for the XML we write ourselves. Every string is also stripped of
 * the characters XML 1.0 cannot carry at all, so a document stays well-formed
 * even when a caller hands us text the content stage never saw.
 */

const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&<>"\t\n\r]/;

/** The string without the characters XML 1.0 cannot carry; most strings have none and are returned as they are. */
export function clean(s: string): string {
  return hasXmlIllegalChars(s) ? stripXmlIllegalChars(s) : s;
}

export function escapeText(s: string): string {
  const c = clean(s);
  if (!TEXT_SPECIAL.test(c)) return c;
  return c.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** For double-quoted attributes; tab and newlines as references so attribute normalisation keeps them. */
export function escapeAttr(s: string): string {
  const c = clean(s);
  if (!ATTR_SPECIAL.test(c)) return c;
  return c
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * A CDATA section of the parts, in order; every `]]>` inside is split across
 * two sections, not just the first. The text must already be clean
 * (FeedItem's is): bodies are the bulk of a build, and scanning them twice
 * shows. Parts are written one after another rather than joined first, so a
 * body is not copied; a `]]>` cannot straddle two parts as long as every part
 * but the last ends in a newline, as an opening does.
 */
export function cdata(...parts: string[]): string {
  let out = '<![CDATA[';
  for (const s of parts) out += s.includes(']]>') ? s.replaceAll(']]>', ']]]]><![CDATA[>') : s;
  return `${out}]]>`;
}

export function element(name: string, text: string, attrs = ''): string {
  return `<${name}${attrs}>${escapeText(text)}</${name}>`;
}

export function attrs(values: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out += ` ${k}="${escapeAttr(String(v))}"`;
  return out;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

export function stylesheetInstruction(href: string): string {
  return `<?xml-stylesheet href="${escapeAttr(href)}" type="text/xsl"?>`;
}

/** RFC 3339, without the `.000` milliseconds no article date carries. */
export function isoDate(d: Date): string {
  const s = d.toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, 19)}Z` : s;
}
