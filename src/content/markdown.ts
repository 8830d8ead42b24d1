import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const md = new MarkdownIt({ html: true, linkify: false, typographer: false });

/** Tags a feed reader or mail client renders safely; everything else is dropped, its text kept. */
const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'figure', 'figcaption',
  'em', 'strong', 'b', 'i', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark', 'abbr', 'cite', 'q', 'kbd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
];

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
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      abbr: ['title'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan', 'scope'],
      ol: ['start'],
      code: ['class'],
    },
    allowedClasses: { code: [/^language-[\w-]+$/] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    // Script and style bodies are code, not text: drop them whole.
    nonTextTags: ['script', 'style', 'textarea', 'noscript', 'iframe', 'object', 'template'],
    transformTags: { a: absolutise('href'), img: absolutise('src') },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  };
}

/** Renders an article body to HTML safe for feeds and email, with every link and image absolute. */
export function renderMarkdown(markdown: string, baseUrl: string): string {
  return sanitizeHtml(md.render(markdown), sanitizeOptions(baseUrl)).trim();
}
