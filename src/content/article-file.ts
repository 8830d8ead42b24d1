import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import type { Problem } from '../errors.js';
import { firstInvalidUtf8, lineAtOffset } from '../util/utf8.js';
import { hasXmlIllegalChars, stripXmlIllegalChars } from '../util/xml-chars.js';
import { parseYaml } from '../util/yaml-schema.js';
import { readLocalImage } from './image.js';
import { absoluteUrl, renderMarkdownBody } from './markdown.js';
import type { Entry, EntryImage } from './model.js';
import { markPlainHtml } from './plain-html.js';
import { frontMatterSchema, SLUG_RE, type FrontMatter } from './schema.js';

const FRONT_MATTER_RE = /^---[ \t]*\r?\n([\s\S]*?)\r?\n?^---[ \t]*(?:\r?\n|$)/m;

export function permalink(pattern: string, slug: string, date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return pattern
    .replaceAll('{slug}', slug)
    .replaceAll('{year}', String(date.getUTCFullYear()))
    .replaceAll('{month}', pad(date.getUTCMonth() + 1))
    .replaceAll('{day}', pad(date.getUTCDate()));
}

// Articles are small: one read into a shared buffer spares the fstat and the
// allocation readFileSync makes per file, which adds up over thousands.
const scratch = Buffer.allocUnsafe(64 * 1024);

/** Synchronous on purpose: for thousands of small files, promises cost more than the reads. */
function readSmallFile(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, scratch, 0, scratch.length, 0);
    if (n < scratch.length) return Buffer.from(scratch.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return readFileSync(file);
}

/** `2025-08-29-cloud-war.md` → `cloud-war`: a date prefix orders files, it is not part of the name. */
export function slugFromFileName(file: string): string {
  return path
    .basename(file)
    .replace(/\.(md|markdown)$/i, '')
    .replace(/^\d{4}-\d{2}-\d{2}-/, '');
}

function lineOfText(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The file's path relative to the project, with `/`. The listed files are
 * joined onto the (absolute, normalised) content folder, so under the project
 * root a prefix cut gives what path.relative would, for a fraction of its cost.
 */
function shownPath(root: string, file: string): string {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const rel = file.startsWith(prefix) && !file.includes(`${path.sep}..${path.sep}`) ? file.slice(prefix.length) : path.relative(root, file);
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

/** What reading one file gives. */
export interface FileResult {
  file: string;
  entry?: Entry;
  draft: boolean;
  /** The front matter's YAML text, to find the line of a field later. */
  frontMatter: string;
  problems: Problem[];
  warnings: Problem[];
}

export async function loadArticleFile(file: string, config: Config): Promise<FileResult> {
  const result: FileResult = { file, draft: false, frontMatter: '', problems: [], warnings: [] };
  const { problems, warnings } = result;
  const shown = shownPath(config.paths.root, file);
  const bytes = readSmallFile(file);
  // isUtf8 is native and fast; the offset of the first bad byte is found only for a bad file.
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad >= 0) {
    problems.push({ file: shown, line: lineAtOffset(bytes, bad), message: `invalid UTF-8 at byte ${bad}; save the file as UTF-8` });
    return result;
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const fm = FRONT_MATTER_RE.exec(text);
  if (!fm || fm.index !== 0) {
    problems.push({ file: shown, line: 1, message: 'missing front matter: the file must start with a "---" line, the YAML fields, and another "---" line' });
    return result;
  }
  const parsed = parseYaml(fm[1] ?? '', shown, frontMatterSchema, { firstLine: 2 });
  if (!parsed.ok) {
    problems.push(...parsed.problems);
    return result;
  }
  const data: FrontMatter = parsed.value;
  result.frontMatter = fm[1] ?? '';
  const bodyStart = fm[0].length;
  let body = text.slice(bodyStart);

  const clean = (value: string, field: string, lineOf: () => number | undefined): string => {
    if (!hasXmlIllegalChars(value)) return value;
    const line = lineOf();
    warnings.push({ file: shown, ...(line === undefined ? {} : { line }), field, message: 'removed control characters that XML cannot carry' });
    return stripXmlIllegalChars(value);
  };
  const title = clean(data.title, 'title', () => parsed.lineOf(['title']));
  const description = clean(data.description, 'description', () => parsed.lineOf(['description']));
  body = clean(body, 'body', () => lineOfText(text, bodyStart));

  const slug = data.slug ?? slugFromFileName(file);
  if (!SLUG_RE.test(slug)) {
    problems.push({ file: shown, field: 'slug', message: `the file name gives the slug "${slug}", which is not valid; rename the file or set slug` });
    return result;
  }

  const base = config.site.url;
  let url: string;
  if (data.url !== undefined) {
    const abs = absoluteUrl(data.url, base);
    if (!abs || !/^https?:/.test(abs)) {
      problems.push({ file: shown, line: parsed.lineOf(['url']), field: 'url', message: `"${data.url}" is not an http(s) URL or a path` } as Problem);
      return result;
    }
    url = abs;
  } else {
    url = new URL(permalink(config.content.permalink, slug, data.date), base).href;
  }

  if (data.updated && data.updated < data.date) {
    problems.push({ file: shown, line: parsed.lineOf(['updated']), field: 'updated', message: 'is earlier than date' } as Problem);
  }

  let image: EntryImage | undefined;
  if (data.image) {
    const src = data.image.src;
    if (/^[a-z][a-z0-9+.-]*:/i.test(src)) {
      if (!/^https?:\/\//i.test(src)) {
        problems.push({ file: shown, line: parsed.lineOf(['image', 'src']), field: 'image.src', message: 'must be an http(s) URL or a path to a local file' } as Problem);
      } else {
        image = { url: new URL(src).href, alt: data.image.alt, ...(data.image.type ? { type: data.image.type } : {}) };
      }
    } else {
      const local = path.resolve(path.dirname(file), src);
      const under = path.relative(config.paths.content, local);
      try {
        if (under.startsWith('..') || path.isAbsolute(under)) throw new Error('outside');
        const info = await readLocalImage(local);
        if (!info.type) {
          problems.push({ file: shown, line: parsed.lineOf(['image', 'src']), field: 'image.src', message: `${src} is not a JPEG, PNG, GIF, WebP, AVIF or SVG image` } as Problem);
        } else {
          const outputPath = under.split(path.sep).join('/');
          // A file name is not a URL: `#` or `?` in it must not become a fragment or a query.
          image = { url: new URL(outputPath.split('/').map(encodeURIComponent).join('/'), base).href, alt: data.image.alt, type: info.type, length: info.length, file: local, outputPath };
        }
      } catch (e) {
        const outside = (e as Error).message === 'outside';
        problems.push({
          file: shown,
          line: parsed.lineOf(['image', 'src']),
          field: 'image.src',
          message: outside ? `${src} is outside the content folder` : `image file ${src} not found`,
        } as Problem);
      }
    }
  }

  const authors = data.author === undefined ? [config.site.author] : (Array.isArray(data.author) ? data.author : [data.author]).map((name) => ({ name }));
  const isTeaser = body.trim() === '';
  const rendered = isTeaser ? { html: '', plain: false } : renderMarkdownBody(body, url);
  const entry: Entry = {
    kind: isTeaser ? 'teaser' : 'article',
    file: shown,
    slug,
    id: data.id ?? url,
    url,
    title,
    description,
    date: data.date,
    ...(data.updated ? { updated: data.updated } : {}),
    authors,
    tags: data.tags,
    ...(image ? { image } : {}),
    html: rendered.html,
    related: data.related,
  };
  if (rendered.plain) markPlainHtml(entry);
  result.entry = entry;
  result.draft = data.draft;
  return result;
}

