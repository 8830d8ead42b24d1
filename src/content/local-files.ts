import path from 'node:path';
import { absoluteUrl } from '../util/url.js';
import { readFileHead, sniffImageType, sniffMediaType } from './image.js';

/**
 * The one rule for files an article uses (its front-matter image and
 * enclosure, and every image, video and audio file in its body): a relative
 * reference names a file relative to the article file, and the file is
 * published at the URL the same reference has in the article's page, that is
 * resolved against the article's URL, as a browser resolves it. So
 * `posts/trip/index.md` with URL `/2025/08/trip/` and `![](map.png)` uses
 * `posts/trip/map.png`, published as `/2025/08/trip/map.png`: where Hugo
 * publishes a page bundle's resources, and where the feeds' links point. A
 * reference with a scheme (`https:`) or a leading `/` is a URL the site
 * serves by other means, used as it is.
 */

/** A file on disk the build copies into the output folder. */
export interface LocalFile {
  /** Absolute path on disk. */
  file: string;
  /** Path under the output folder, with `/`. */
  outputPath: string;
}

export interface ArticlePlace {
  /** Absolute path of the article file. */
  file: string;
  /** The article's canonical URL. */
  url: string;
  /** The site's URL (ends with `/`) and content folder: a local file must stay within both. */
  siteUrl: string;
  contentDir: string;
}

export type Reference =
  | { kind: 'url'; url: string }
  | { kind: 'local'; url: string; local: LocalFile }
  | { kind: 'refused'; message: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

function decodePart(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Resolves what an article wrote. `as: 'url'` for Markdown and HTML, where a
 * reference is a URL (`%20`, `?query` and `#fragment` mean what they mean in
 * a URL); `as: 'path'` for front matter, where it is a file name (`#` and `?`
 * are characters of the name).
 */
export function resolveReference(written: string, place: ArticlePlace, as: 'url' | 'path'): Reference {
  const src = written.trim();
  if (SCHEME.test(src) || src.startsWith('/')) {
    const url = absoluteUrl(src, place.url);
    if (url === undefined || url.startsWith('mailto:')) return { kind: 'refused', message: `${written} is not an http(s) URL or a path to a file beside the article` };
    return { kind: 'url', url };
  }
  const pathPart = as === 'path' ? src : src.replace(/[?#].*$/, '');
  const name = as === 'path' ? pathPart : pathPart.split('/').map(decodePart).join('/');
  if (name === '' || name.endsWith('/')) return { kind: 'refused', message: `${written} does not name a file` };
  const reference = as === 'path' ? src.split('/').map((seg) => (seg === '.' || seg === '..' ? seg : encodeURIComponent(seg))).join('/') : src;
  const url = absoluteUrl(reference, place.url)!;
  const file = path.resolve(path.dirname(place.file), ...name.split('/'));
  const underContent = path.relative(place.contentDir, file);
  if (underContent.startsWith('..') || path.isAbsolute(underContent)) return { kind: 'refused', message: `${written} is outside the content folder` };
  const bare = url.replace(/[?#].*$/, '');
  if (!bare.startsWith(place.siteUrl)) {
    return { kind: 'refused', message: `${written} would be published at ${bare}, outside the site (${place.siteUrl}): keep the file in the article's folder or below it` };
  }
  const outputPath = bare.slice(place.siteUrl.length).split('/').map(decodePart).join('/');
  return { kind: 'local', url, local: { file, outputPath } };
}

/** What a local file is, or why it cannot be used: missing, or not the kind of file expected. */
export async function inspectLocalFile(
  written: string,
  local: LocalFile,
  kind: 'image' | 'media',
  shownFile: string,
): Promise<{ ok: true; type: string | undefined; length: number } | { ok: false; message: string }> {
  const read = await readFileHead(local.file).catch(() => undefined);
  if (!read) return { ok: false, message: `${written} not found (looked for ${shownFile}): put the file there or correct the path` };
  if (kind === 'image') {
    const type = sniffImageType(read.head);
    if (!type) return { ok: false, message: `${written} is not a JPEG, PNG, GIF, WebP, AVIF or SVG image` };
    return { ok: true, type, length: read.length };
  }
  return { ok: true, type: sniffMediaType(read.head) ?? sniffImageType(read.head), length: read.length };
}
