import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import type { Problem } from '../errors.js';
import { absoluteUrl } from '../util/url.js';
import { firstInvalidUtf8, lineAtOffset } from '../util/utf8.js';
import { hasXmlIllegalChars, stripXmlIllegalChars } from '../util/xml-chars.js';
import { parseYaml, type Parsed } from '../util/yaml-schema.js';
import { readLocalImage } from './image.js';
import { renderMarkdownBody } from './markdown.js';
import type { Entry, EntryImage } from './model.js';
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

/** One article file on its way to an entry: where it is, what it said, and what went wrong so far. */
interface Reading {
  /** Absolute path. */
  file: string;
  /** Path relative to the project root, with `/`, for messages. */
  shown: string;
  config: Config;
  problems: Problem[];
  warnings: Problem[];
}

/** The file as text: valid UTF-8 (the first bad byte is reported by line), without a byte-order mark. */
function readText(r: Reading): string | undefined {
  const bytes = readFileSync(r.file);
  // isUtf8 is native and fast; the offset of the first bad byte is found only for a bad file.
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    r.problems.push({ file: r.shown, line: lineAtOffset(bytes, bad), message: `invalid UTF-8 at byte ${bad}; save the file as UTF-8` });
    return undefined;
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The front matter (YAML between two `---` lines at the top) and where the body starts. */
function splitFrontMatter(r: Reading, text: string): { yaml: string; bodyStart: number } | undefined {
  const fm = FRONT_MATTER_RE.exec(text);
  if (!fm || fm.index !== 0) {
    r.problems.push({ file: r.shown, line: 1, message: 'missing front matter: the file must start with a "---" line, the YAML fields, and another "---" line' });
    return undefined;
  }
  return { yaml: fm[1] ?? '', bodyStart: fm[0].length };
}

/** Text without the characters XML cannot carry; each removal is a warning at the field's line. */
function withoutControlChars(r: Reading, value: string, field: string, lineOf: () => number | undefined): string {
  if (!hasXmlIllegalChars(value)) return value;
  const line = lineOf();
  r.warnings.push({ file: r.shown, ...(line === undefined ? {} : { line }), field, message: 'removed control characters that XML cannot carry' });
  return stripXmlIllegalChars(value);
}

function problemAt(r: Reading, fm: Parsed<FrontMatter> & { ok: true }, field: string[], message: string): void {
  const line = fm.lineOf(field);
  r.problems.push({ file: r.shown, ...(line === undefined ? {} : { line }), field: field.join('.'), message });
}

function resolveSlug(r: Reading, data: FrontMatter): string | undefined {
  const slug = data.slug ?? slugFromFileName(r.file);
  if (SLUG_RE.test(slug)) return slug;
  r.problems.push({ file: r.shown, field: 'slug', message: `the file name gives the slug "${slug}", which is not valid; rename the file or set slug` });
  return undefined;
}

/** The canonical URL: front matter `url` (absolute, or a path on the site), else the permalink pattern. */
function resolveUrl(r: Reading, fm: Parsed<FrontMatter> & { ok: true }, slug: string): string | undefined {
  const { config } = r;
  const data = fm.value;
  if (data.url === undefined) return new URL(permalink(config.content.permalink, slug, data.date), config.site.url).href;
  const abs = absoluteUrl(data.url, config.site.url);
  if (abs && /^https?:/.test(abs)) return abs;
  problemAt(r, fm, ['url'], `"${data.url}" is not an http(s) URL or a path`);
  return undefined;
}

/**
 * The lead image: a remote http(s) URL taken as given, or a local file under
 * the content folder, whose type is sniffed from its bytes and which the
 * build copies to the same path under the output folder.
 */
async function resolveImage(r: Reading, fm: Parsed<FrontMatter> & { ok: true }): Promise<EntryImage | undefined> {
  const spec = fm.value.image;
  if (!spec) return undefined;
  const { src, alt } = spec;
  const caption = spec.caption === undefined ? {} : { caption: spec.caption };
  const fail = (message: string) => problemAt(r, fm, ['image', 'src'], message);
  if (/^[a-z][a-z0-9+.-]*:/i.test(src)) {
    if (/^https?:\/\//i.test(src)) return { url: new URL(src).href, alt, ...caption, ...(spec.type ? { type: spec.type } : {}) };
    fail('must be an http(s) URL or a path to a local file');
    return undefined;
  }
  const local = path.resolve(path.dirname(r.file), src);
  const under = path.relative(r.config.paths.content, local);
  if (under.startsWith('..') || path.isAbsolute(under)) {
    fail(`${src} is outside the content folder`);
    return undefined;
  }
  const info = await readLocalImage(local).catch(() => undefined);
  if (!info) {
    fail(`image file ${src} not found`);
    return undefined;
  }
  if (!info.type) {
    fail(`${src} is not a JPEG, PNG, GIF, WebP, AVIF or SVG image`);
    return undefined;
  }
  const outputPath = under.split(path.sep).join('/');
  const url = publicUrls(r.config).file(outputPath);
  return { url, alt, ...caption, type: info.type, length: info.length, file: local, outputPath };
}

/**
 * Reads one article or teaser file into an entry, or into the problems that
 * stop it (every problem the file has that can be found without the others).
 */
export async function loadArticleFile(file: string, config: Config): Promise<FileResult> {
  const shown = path.relative(config.paths.root, file).split(path.sep).join('/');
  const r: Reading = { file, shown, config, problems: [], warnings: [] };
  const result: FileResult = { file, draft: false, frontMatter: '', problems: r.problems, warnings: r.warnings };

  const text = readText(r);
  if (text === undefined) return result;
  const split = splitFrontMatter(r, text);
  if (!split) return result;
  const fm = parseYaml(split.yaml, shown, frontMatterSchema, { firstLine: 2 });
  if (!fm.ok) {
    r.problems.push(...fm.problems);
    return result;
  }
  result.frontMatter = split.yaml;
  const data = fm.value;

  const title = withoutControlChars(r, data.title, 'title', () => fm.lineOf(['title']));
  const description = withoutControlChars(r, data.description, 'description', () => fm.lineOf(['description']));
  const body = withoutControlChars(r, text.slice(split.bodyStart), 'body', () => lineOfText(text, split.bodyStart));

  const slug = resolveSlug(r, data);
  if (slug === undefined) return result;
  const url = resolveUrl(r, fm, slug);
  if (url === undefined) return result;
  if (data.updated && data.updated < data.date) problemAt(r, fm, ['updated'], 'is earlier than date');
  const image = await resolveImage(r, fm);

  const authors = data.author === undefined ? [config.site.author] : (Array.isArray(data.author) ? data.author : [data.author]).map((name) => ({ name }));
  const isTeaser = body.trim() === '';
  result.entry = {
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
    html: isTeaser ? '' : renderMarkdownBody(body, url, slug),
    related: data.related,
  };
  result.draft = data.draft;
  return result;
}
