import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const md = new MarkdownIt({ html: true, linkify: false, typographer: false });

/** Tags a feed reader or mail client renders safely; everything else is dropped, its text kept. */
export const ALLOWED_TAGS: readonly string[] = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'figure', 'figcaption',
  'em', 'strong', 'b', 'i', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark', 'abbr', 'cite', 'q', 'kbd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
];

/** Attributes kept per tag; every other attribute (event handlers, style) is dropped. */
export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  abbr: ['title'],
  td: ['colspan', 'rowspan'],
  th: ['colspan', 'rowspan', 'scope'],
  ol: ['start'],
  code: ['class'],
};

/** The only class kept: the language of a code block. */
export const CODE_CLASS = /^language-[\w-]+$/;

/** Resolves a link against the article's own URL; `undefined` for schemes we refuse. */
export function absoluteUrl(href: string, base: string): string | undefined {
  const trimmed = href.trim();
  if (trimmed.startsWith('#')) return `${base.split('#')[0]}${trimmed}`;
  try {
    const u = new URL(trimmed, base);
    return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function sanitizeOptions(base: string): sanitizeHtml.IOptions {
  const absolutise = (attr: 'href' | 'src') => (tagName: string, attribs: sanitizeHtml.Attributes) => {
    const value = attribs[attr];
    const next = { ...attribs };
    if (value !== undefined) {
      const abs = absoluteUrl(value, base);
      if (abs === undefined) delete next[attr];
      else next[attr] = abs;
    }
    return { tagName, attribs: next };
  };
  return {
    allowedTags: [...ALLOWED_TAGS],
    allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRIBUTES).map(([tag, list]) => [tag, [...list]])),
    allowedClasses: { code: [CODE_CLASS] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    // Script and style bodies are code, not text: drop them whole.
    nonTextTags: ['script', 'style', 'textarea', 'noscript', 'iframe', 'object', 'template'],
    transformTags: { a: absolutise('href'), img: absolutise('src') },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  };
}

const sanitized = new WeakMap<object, string>();

/**
 * Records that `owner.html` is exactly what the sanitiser produced, so later
 * stages (the feeds) can trust it without sanitising 10,000 bodies twice.
 * Changing `html` afterwards voids the record.
 */
export function markSanitized(owner: { html: string }): void {
  sanitized.set(owner, owner.html);
}

export function isMarkedSanitized(owner: { html: string }): boolean {
  return sanitized.get(owner) === owner.html;
}

/** Keeps only the allowed tags and attributes, and makes every link and image absolute against `baseUrl`. */
export function sanitizeBody(html: string, baseUrl: string): string {
  return sanitizeHtml(html, sanitizeOptions(baseUrl)).trim();
}

/** Renders an article body to HTML safe for feeds and email, with every link and image absolute. */
export function renderMarkdown(markdown: string, baseUrl: string): string {
  return sanitizeBody(md.render(markdown), baseUrl);
}
