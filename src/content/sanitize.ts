import type sanitizeHtml from 'sanitize-html';
import { requireBundled } from '../util/bundled.js';
import { absoluteUrl } from '../util/url.js';

/**
 * What a body may hold: the tags and attributes feed readers and mail
 * clients render safely, and the sanitiser that keeps only those. Apart from
 * the Markdown parser, so that the feeds, which check bodies against the same
 * lists, do not load it.
 */

// sanitize-html pulls in postcss and htmlparser2; most articles never need it.
const sanitize = (html: string, options: sanitizeHtml.IOptions) => requireBundled<typeof sanitizeHtml>('sanitize-html')(html, options);

/** Tags a feed reader or mail client renders safely; everything else is dropped, its text kept. */
export const ALLOWED_TAGS: readonly string[] = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'figure', 'figcaption',
  'em', 'strong', 'b', 'i', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark', 'abbr', 'cite', 'q', 'kbd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
  // GFM: task list checkboxes and the footnotes section.
  'input', 'section',
];

/** Attributes kept per tag; every other attribute (event handlers, style) is dropped. */
export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title', 'id', 'aria-label'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  abbr: ['title'],
  td: ['colspan', 'rowspan', 'align'],
  th: ['colspan', 'rowspan', 'scope', 'align'],
  ol: ['start'],
  li: ['id'],
  code: ['class'],
  input: ['type', 'checked', 'disabled'],
};

/** The only class kept: the language of a code block. */
export const CODE_CLASS = /^language-[\w-]+$/;

/**
 * Values an attribute may have, whatever its tag. Ids are only the footnote
 * ids the renderer writes, so raw HTML cannot name an element after a global
 * (`id="location"`) of the page that shows a feed.
 */
export const ATTRIBUTE_VALUES: Readonly<Record<string, RegExp>> = {
  id: /^fn(?:ref)?-(?:[a-z0-9-]+:)?\d+(?::\d+)?$/,
  align: /^(?:left|center|right)$/,
  type: /^checkbox$/,
  checked: /^$/,
  disabled: /^$/,
};

/** Attributes a tag is dropped without: a checkbox that is not disabled would be a form field. */
export const REQUIRED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  input: ['type', 'disabled'],
};

// sanitize-html has the option; its types do not.
type SanitizeOptions = sanitizeHtml.IOptions & { allowedEmptyAttributes: string[] };

function sanitizeOptions(base: string): SanitizeOptions {
  const transform = (tagName: string, attribs: sanitizeHtml.Attributes) => {
    const next: sanitizeHtml.Attributes = {};
    for (const [name, value] of Object.entries(attribs)) {
      if (name === 'href' || name === 'src') {
        const abs = absoluteUrl(value, base);
        if (abs !== undefined) next[name] = abs;
      } else if (ATTRIBUTE_VALUES[name]?.test(value) ?? true) next[name] = value;
    }
    return { tagName, attribs: next };
  };
  return {
    allowedTags: [...ALLOWED_TAGS],
    allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRIBUTES).map(([tag, attrs]) => [tag, [...attrs]])),
    allowedClasses: { code: [CODE_CLASS] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    allowedEmptyAttributes: ['alt', 'checked', 'disabled'],
    // Script and style bodies are code, not text: drop them whole.
    nonTextTags: ['script', 'style', 'textarea', 'noscript', 'iframe', 'object', 'template'],
    transformTags: { '*': transform },
    exclusiveFilter: (frame) =>
      (frame.tag === 'img' && !frame.attribs.src) || (REQUIRED_ATTRIBUTES[frame.tag]?.some((a) => frame.attribs[a] === undefined) ?? false),
  };
}

/** Keeps only the allowed tags and attributes, and makes every link and image absolute against `baseUrl`. */
export function sanitizeBody(html: string, baseUrl: string): string {
  return sanitize(html, sanitizeOptions(baseUrl)).trim();
}
