import { ATTRIBUTES_PATTERN, attributes } from './html-text.js';
import { escapeHtml } from '../util/text.js';

/**
 * Embeds, made into what a feed reader or a mail client can show. Readers
 * drop `<iframe>`, and most drop `<video>` and `<audio>` (the sanitiser
 * does too), which used to leave an empty paragraph where the video was. So:
 * a YouTube video becomes its thumbnail and a link, "Watch on YouTube: <its
 * title>"; a Vimeo video, any other embedded page, a video and an audio file
 * become a link ("Watch on Vimeo: …", "View on <host>: …", "Watch the video:
 * …" with its poster when it has one, "Listen: …"); `<details>` becomes its
 * summary in bold, then its content, since readers drop the element and ran
 * the two together. Runs on the rendered HTML before the sanitiser, which
 * then makes the links absolute; Markdown alone never holds an embed.
 */

const EMBED = /<(iframe|video|audio|details)\b|<summary\b/i;
const ELEMENT = new RegExp(`<(iframe|video|audio)\\b(${ATTRIBUTES_PATTERN})\\s*/?>(?:([\\s\\S]*?)</\\1\\s*>)?`, 'gi');
const SOURCE = new RegExp(`<source\\b(${ATTRIBUTES_PATTERN})\\s*/?>`, 'gi');
// The titles the providers' own embed codes give every video: they say nothing about this one.
const GENERIC_TITLE = /^(?:youtube video player|vimeo(?:[- ]video)?[- ]player|video player|embedded content)$/i;

function titleOf(attrs: Map<string, string>): string | undefined {
  const t = (attrs.get('title') || attrs.get('aria-label') || '').replace(/\s+/g, ' ').trim();
  return t && !GENERIC_TITLE.test(t) ? t : undefined;
}

/** A link, and a linked picture above it when there is one. */
function linkHtml(href: string, text: string, picture?: string): string {
  const a = `<a href="${escapeHtml(href)}">`;
  const image = picture ? `${a}<img src="${escapeHtml(picture)}" alt="" /></a><br />` : '';
  return `${image}${a}${escapeHtml(text)}</a>`;
}

const labelled = (what: string, title: string | undefined) => (title ? `${what}: ${title}` : what);

function parseUrl(src: string): URL | undefined {
  try {
    return new URL(src.startsWith('//') ? `https:${src}` : src);
  } catch {
    return undefined;
  }
}

/** An `<iframe>` as a link: YouTube (with its thumbnail) and Vimeo to their pages, anything else to itself. */
function iframeLink(attrs: Map<string, string>): string | undefined {
  const src = attrs.get('src')?.trim();
  const url = src ? parseUrl(src) : undefined;
  if (!url || !/^https?:$/.test(url.protocol)) return undefined;
  const title = titleOf(attrs);
  const host = url.hostname.replace(/^www\./, '');
  if (/^(?:m\.)?youtube(?:-nocookie)?\.com$/.test(host)) {
    const list = url.searchParams.get('list');
    const id = /^\/embed\/([A-Za-z0-9_-]{6,})$/.exec(url.pathname)?.[1];
    if (id && id !== 'videoseries') {
      return linkHtml(`https://www.youtube.com/watch?v=${id}`, labelled('Watch on YouTube', title), `https://i.ytimg.com/vi/${id}/hqdefault.jpg`);
    }
    if (list) return linkHtml(`https://www.youtube.com/playlist?list=${encodeURIComponent(list)}`, labelled('Watch on YouTube', title));
  }
  if (host === 'player.vimeo.com') {
    const id = /^\/video\/(\d+)/.exec(url.pathname)?.[1];
    const hash = url.searchParams.get('h');
    if (id) return linkHtml(`https://vimeo.com/${id}${hash && /^[0-9a-f]+$/i.test(hash) ? `/${hash}` : ''}`, labelled('Watch on Vimeo', title));
  }
  return linkHtml(url.href, labelled(`View on ${host}`, title));
}

/** A `<video>` or `<audio>` as a link to its file (its own `src`, else its first `<source>`), with the video's poster. */
function mediaLink(tag: 'video' | 'audio', attrs: Map<string, string>, inner: string): string | undefined {
  let src = attrs.get('src');
  if (!src) {
    SOURCE.lastIndex = 0;
    for (let m = SOURCE.exec(inner); m && !src; m = SOURCE.exec(inner)) src = attributes(m[1] ?? '').get('src');
  }
  if (!src) return undefined;
  const title = titleOf(attrs);
  return tag === 'video' ? linkHtml(src, labelled('Watch the video', title), attrs.get('poster') || undefined) : linkHtml(src, labelled('Listen', title));
}

/** Whether `index` is inside an open `<p>`: a link made there must not open a paragraph of its own. */
function insideParagraph(html: string, index: number): boolean {
  const before = html.slice(0, index).toLowerCase();
  return Math.max(before.lastIndexOf('<p>'), before.lastIndexOf('<p ')) > before.lastIndexOf('</p>');
}

/** The HTML with its embeds made readable; HTML without one is returned as it is. */
export function degradeEmbeds(html: string): string {
  if (!EMBED.test(html)) return html;
  const out = html.replace(ELEMENT, (whole, name: string, attrText: string, inner: string | undefined, index: number) => {
    const tag = name.toLowerCase() as 'iframe' | 'video' | 'audio';
    const attrs = attributes(attrText ?? '');
    const link = tag === 'iframe' ? iframeLink(attrs) : mediaLink(tag, attrs, inner ?? '');
    if (link === undefined) return '';
    return insideParagraph(html, index) ? link : `<p>${link}</p>`;
  });
  return (
    out
      .replace(/<summary\b[^>]*>([\s\S]*?)<\/summary\s*>/gi, '<p><strong>$1</strong></p>')
      .replace(/<\/?details\b[^>]*>/gi, '')
      // An embed with nothing to link to leaves nothing, not an empty paragraph.
      .replace(/<p>\s*<\/p>\n?/g, '')
  );
}
