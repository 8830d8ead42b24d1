import path from 'node:path';
import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { attributes } from './html-text.js';
import { absoluteUrl } from '../util/url.js';
import { formatBytes, readFileWithin, tooLarge } from '../util/limits.js';
import { decodeUtf8 } from '../util/utf8.js';
import { hasXmlIllegalChars, stripXmlIllegalChars } from '../util/xml-chars.js';
import { fieldPath } from '../util/yaml-schema.js';
import { scanBody, type TemplateTag } from './body-scan.js';
import { closestField, resolveFields, type Fields } from './fields.js';
import { parseFrontMatter, splitFrontMatter, type FrontMatterText } from './front-matter.js';
import { inspectLocalFile, resolveReference, type ArticlePlace, type LocalFile } from './local-files.js';
import { renderMarkdownBody } from './markdown.js';
import type { Entry, EntryEnclosure, EntryImage } from './model.js';
import { parseDate } from '../util/dates.js';
import type { ArticleSettings } from './settings.js';
import { frontMatterSchema, MAX_ARTICLE_BYTES, MAX_FRONT_MATTER_BYTES, permalink, slugify, SLUG_RE, type FrontMatter } from './schema.js';
import { standfirstFromBody } from './standfirst.js';

const MARKDOWN_EXTENSION = /\.(md|markdown)$/i;
const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})-/;

/**
 * The name that stands for an article: its file name without the extension,
 * or, for a page bundle (`trip/index.md`, Hugo's), its folder's name.
 */
function baseName(file: string): string {
  const name = path.basename(file).replace(MARKDOWN_EXTENSION, '');
  return name.toLowerCase() === 'index' ? path.basename(path.dirname(file)) : name;
}

/**
 * `2025-08-29-cloud-war.md` or `2025-08-29-cloud-war/index.md` → `cloud-war`:
 * a date prefix orders files, it is not part of the name; the rest is made a
 * slug as Hugo and Jekyll make one ("Hash #1" → "hash-1").
 */
export function slugFromFileName(file: string): string {
  return slugify(baseName(file).replace(DATE_PREFIX, ''));
}

function lineOfText(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const NO_ALIASES: ReadonlyMap<string, string> = new Map();
const NONE: readonly string[] = [];

/**
 * The line of a front-matter field (under broadsheet's name) of a file read
 * earlier, when the front matter sets it; nothing for a derived value (a slug
 * from the file name). Parses the front matter again: only a problem needs it.
 */
export function fieldLine(result: FileResult, path: readonly PropertyKey[]): number | undefined {
  if (!result.frontMatter || path.length === 0) return undefined;
  const parsed = parseFrontMatter(result.frontMatter, result.file);
  const key = result.aliases.get(String(path[0])) ?? String(path[0]);
  if (!parsed.ok || parsed.raw.fields[key] === undefined) return undefined;
  return parsed.raw.lineOf([key, ...path.slice(1)]);
}

/** What reading one file gives. */
export interface FileResult {
  file: string;
  entry?: Entry;
  draft: boolean;
  /**
   * The front matter's text, and the names its fields were written under
   * where they differ: kept to find a field's line when a later, cross-file
   * check needs it (`fieldLine`), instead of keeping every parsed file.
   */
  frontMatter?: FrontMatterText;
  aliases: ReadonlyMap<string, string>;
  /** Front-matter keys broadsheet does not read, as written (reported together, once per build). */
  unknownFields: readonly string[];
  problems: Problem[];
  warnings: Problem[];
  /** Absolute paths of the local files the article uses that were looked at, found or not: the result depends on them too. */
  uses: readonly string[];
}

/** One article file on its way to an entry: where it is, what it said, and what went wrong so far. */
interface Reading {
  /** Absolute path. */
  file: string;
  /** Path relative to the project root, with `/`, for messages. */
  shown: string;
  config: ArticleSettings;
  problems: Problem[];
  uses: string[];
  warnings: Problem[];
  /** A field's path under the name it was written with (`description` → `summary`). */
  writtenAs(path: readonly PropertyKey[]): PropertyKey[];
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** The file as text: valid UTF-8 (the first bad byte is reported by line), without a byte-order mark. */
function readText(r: Reading, bytes?: Buffer): string | undefined {
  const read = bytes ? { bytes } : readFileWithin(r.file, MAX_ARTICLE_BYTES);
  if (!('bytes' in read)) throw tooLarge(`the article ${r.shown}`, formatBytes(read.size), formatBytes(MAX_ARTICLE_BYTES), 'split it, or move what is not text out of it', { file: r.shown });
  const decoded = decodeUtf8(read.bytes);
  if (decoded.ok) return decoded.text;
  r.problems.push({ file: r.shown, line: decoded.line, message: decoded.message });
  return undefined;
}

/** Text without the characters no feed may carry; each removal is a warning at the field's line. */
function withoutControlChars(r: Reading, value: string, field: string, lineOf: () => number | undefined): string {
  if (!hasXmlIllegalChars(value)) return value;
  // Found only now: the line of a field needs a second, slower parse of the front matter.
  const line = lineOf();
  r.warnings.push({ file: r.shown, ...(line === undefined ? {} : { line }), field: fieldPath(r.writtenAs([field])), message: 'removed control characters that XML cannot carry' });
  return stripXmlIllegalChars(value);
}

/** A problem with a field, named by broadsheet's name for it; reported at the line and under the name it was written with. */
function problemAt(r: Reading, field: readonly PropertyKey[], message: string): void {
  const line = r.lineOf(field);
  r.problems.push({ file: r.shown, ...(line === undefined ? {} : { line }), field: fieldPath(r.writtenAs(field)), message });
}

/** Zod's findings, at the line and under the name the field was written with. */
function schemaProblems(r: Reading, issues: readonly z.core.$ZodIssue[]): void {
  for (const issue of issues) {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const takes = issue.path[0] === 'enclosure' ? 'an enclosure takes src, type, length and title' : 'an image takes src, alt, caption and type';
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: ${takes}`;
    }
    problemAt(r, issue.path, message);
  }
}

/** Unknown keys, under `content.strict`: each an error that names the field it may have meant. */
function strictProblems(r: Reading, unknown: readonly string[]): void {
  for (const key of unknown) {
    const near = closestField(key);
    const line = r.lineOf([key]);
    r.problems.push({
      file: r.shown,
      ...(line === undefined ? {} : { line }),
      field: key,
      message: `unknown field: ${near ? `did you mean "${near}"? ` : ''}remove it, or set content.strict: false to have unknown fields ignored`,
    });
  }
}

/** Reads and checks the front matter: the fields under broadsheet's names, or undefined after the problems are recorded. */
function readFields(r: Reading, fm: FrontMatterText, result: FileResult): FrontMatter | undefined {
  const parsed = parseFrontMatter(fm, r.shown);
  if (!parsed.ok) {
    r.problems.push(...parsed.problems);
    return undefined;
  }
  const fields: Fields = resolveFields(parsed.raw.fields);
  r.writtenAs = (p) => (p.length === 0 ? [] : [fields.writtenAs.get(String(p[0])) ?? p[0]!, ...p.slice(1)]);
  r.lineOf = (p) => parsed.raw.lineOf(r.writtenAs(p));
  result.frontMatter = fm;
  if (fields.writtenAs.size > 0) result.aliases = fields.writtenAs;
  if (r.config.content.strict) strictProblems(r, fields.unknown);
  else if (fields.unknown.length > 0) result.unknownFields = fields.unknown;
  const checked = frontMatterSchema(r.config.site.timezone).safeParse(fields.input);
  if (!checked.success) {
    schemaProblems(r, checked.error.issues);
    return undefined;
  }
  return checked.data;
}

function resolveSlug(r: Reading, data: FrontMatter): string | undefined {
  if (data.slug !== undefined) return data.slug;
  const slug = slugFromFileName(r.file);
  if (SLUG_RE.test(slug)) return slug;
  r.problems.push({ file: r.shown, field: 'slug', message: `the file name "${path.basename(r.file)}" gives no slug: add slug: my-story (lowercase letters, digits and hyphens)` });
  return undefined;
}

/** The front matter's date, else the `YYYY-MM-DD-` of the file (or page bundle) name, at midnight in the site's zone. */
function resolveDate(r: Reading, data: FrontMatter): Date | undefined {
  if (data.date) return data.date;
  const named = DATE_PREFIX.exec(baseName(r.file))?.[1];
  if (named) {
    const date = parseDate(named, r.config.site.timezone);
    if (typeof date !== 'string') return date;
    problemAt(r, ['date'], `the file name's date ${date}: add date: 2025-08-29`);
    return undefined;
  }
  problemAt(r, ['date'], 'is required: add date: 2025-08-29 (or 2025-08-29T14:30:00Z), or start the file name with the date, as in 2025-08-29-my-story.md');
  return undefined;
}

/** The canonical URL: front matter `url` (absolute, or a path on the site), else the permalink pattern. */
function resolveUrl(r: Reading, data: FrontMatter, slug: string, date: Date): string | undefined {
  const { config } = r;
  if (data.url === undefined) return new URL(permalink(config.content.permalink, slug, date, config.site.timezone), config.site.url).href;
  if (/\{[{%]/.test(data.url)) {
    problemAt(r, ['url'], `"${data.url}" is a template, which broadsheet does not run: write the path (url: /blog/${slug}/), or remove it to use content.permalink`);
    return undefined;
  }
  const abs = absoluteUrl(data.url, config.site.url);
  if (abs && /^https?:/.test(abs)) return abs;
  problemAt(r, ['url'], `"${data.url}" is not an http(s) URL or a path: write url: https://example.com/my-story/ or url: /my-story/`);
  return undefined;
}

/**
 * The lead image: `image` (a path or URL, or `{ src, alt, type }`), else the
 * first of Hugo's `images`. Its alt text is `image.alt`, else `image_alt`,
 * else `alt`; never the title, which says what the story is about, not what
 * the picture shows. A local file follows the rule of local-files.ts.
 */
async function resolveImage(r: Reading, data: FrontMatter, place: ArticlePlace, files: LocalFile[]): Promise<EntryImage | undefined> {
  const fromList = data.image === undefined;
  const spec = data.image ?? data.images?.[0];
  if (spec === undefined) return undefined;
  const at: PropertyKey[] = fromList ? ['images', 0] : ['image'];
  const object = typeof spec === 'string' ? undefined : spec;
  const src = object ? (object.src ?? object.path) : (spec as string);
  if (src === undefined) {
    problemAt(r, at, 'has no src: write image: { src: cover.jpg, alt: "what the image shows" }');
    return undefined;
  }
  const alt = object?.alt ?? data.image_alt ?? data.alt;
  if (alt === undefined) {
    const fix = object ? 'add alt: "what the image shows"' : 'add image_alt: "what the image shows"';
    problemAt(r, object ? [...at, 'alt'] : at, `is required: describe the image for readers who cannot see it: ${fix} (or "" if it is only decoration)`);
    return undefined;
  }
  const srcAt = object ? [...at, object.src !== undefined ? 'src' : 'path'] : at;
  const caption = object?.caption === undefined ? {} : { caption: object.caption };
  const ref = resolveReference(src, place, 'path');
  if (ref.kind === 'refused') {
    problemAt(r, srcAt, ref.message);
    return undefined;
  }
  if (ref.kind === 'url') return { url: ref.url, alt, ...caption, ...(object?.type ? { type: object.type } : {}) };
  const info = await inspect(r, src, ref.local, 'image');
  if (!info.ok) {
    problemAt(r, srcAt, info.message);
    return undefined;
  }
  files.push(ref.local);
  return { url: ref.url, alt, ...caption, type: info.type!, length: info.length };
}

/** An audio or video file (or document) the front matter attaches: `enclosure: episode.mp3` or `{ src, type, length, title }`. */
async function resolveEnclosure(r: Reading, data: FrontMatter, place: ArticlePlace, files: LocalFile[]): Promise<EntryEnclosure | undefined> {
  const spec = data.enclosure;
  if (spec === undefined) return undefined;
  const object = typeof spec === 'string' ? undefined : spec;
  const src = object ? (object.src ?? object.url) : (spec as string);
  if (src === undefined) {
    problemAt(r, ['enclosure'], 'has no src: write enclosure: { src: episode.mp3, type: audio/mpeg }');
    return undefined;
  }
  const srcAt = object ? ['enclosure', object.src !== undefined ? 'src' : 'url'] : ['enclosure'];
  const title = object?.title ? { title: object.title } : {};
  const ref = resolveReference(src, place, 'path');
  if (ref.kind === 'refused') {
    problemAt(r, srcAt, ref.message);
    return undefined;
  }
  if (ref.kind === 'url') {
    if (!object?.type) {
      problemAt(r, ['enclosure'], `needs the file's type, which cannot be read from a remote file: write enclosure: { src: ${src}, type: audio/mpeg, length: <bytes> }`);
      return undefined;
    }
    return { url: ref.url, type: object.type, length: object.length ?? 0, ...title };
  }
  const info = await inspect(r, src, ref.local, 'media');
  if (!info.ok) {
    problemAt(r, srcAt, info.message);
    return undefined;
  }
  const type = object?.type ?? info.type;
  if (!type) {
    problemAt(r, ['enclosure'], `the type of ${src} cannot be told from its bytes: add type, e.g. enclosure: { src: ${src}, type: audio/mpeg }`);
    return undefined;
  }
  files.push(ref.local);
  return { url: ref.url, type, length: object?.length ?? info.length, ...title };
}

function shownPath(r: Reading, file: string): string {
  return path.relative(r.config.paths.root, file).split(path.sep).join('/');
}

/** inspectLocalFile, noting that the result depends on the file. */
function inspect(r: Reading, written: string, local: LocalFile, kind: 'image' | 'media') {
  r.uses.push(local.file);
  return inspectLocalFile(written, local, kind, shownPath(r, local.file));
}

const TEMPLATE_KIND: [RegExp, string][] = [
  [/^\{\{[<%]/, 'a Hugo shortcode'],
  [/^\{%/, 'a Liquid or Nunjucks tag'],
  [/^\{\{/, 'a template expression'],
];

/** Template tags left in a body are published as text: each is a warning, so they are not published silently. */
function templateTagWarnings(r: Reading, tags: readonly TemplateTag[]): void {
  for (const t of tags) {
    const text = t.text.length > 60 ? `${t.text.slice(0, 57)}…` : t.text;
    const kind = TEMPLATE_KIND.find(([re]) => re.test(t.text))![1];
    r.warnings.push({
      file: r.shown,
      line: t.line,
      field: 'body',
      message: `${text} is ${kind}, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for`,
    });
  }
}

const URL_ATTRIBUTE = /<[a-z][a-z0-9]*\s([^>]*)>/gi;

/** Every URL the rendered body links or shows, decoded, to tell which references the Markdown really rendered. */
function renderedUrls(html: string): Set<string> {
  const out = new Set<string>();
  URL_ATTRIBUTE.lastIndex = 0;
  for (let m = URL_ATTRIBUTE.exec(html); m; m = URL_ATTRIBUTE.exec(html)) {
    const attrs = attributes(` ${m[1]}`);
    for (const name of ['src', 'href']) {
      const v = attrs.get(name);
      if (v) out.add(comparable(v));
    }
  }
  return out;
}

function comparable(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

/**
 * The local images, videos and audio files the body shows: each must exist
 * (a missing one is a problem at its line) and is copied into the output.
 * Only what the rendered HTML really holds counts, so an image written in
 * a code example is not looked for.
 */
async function bodyFiles(r: Reading, body: string, bodyLine: number, html: string, place: ArticlePlace, files: LocalFile[]): Promise<void> {
  const scan = scanBody(body, bodyLine);
  templateTagWarnings(r, scan.tags);
  if (scan.references.length === 0) return;
  const rendered = renderedUrls(html);
  for (const ref of scan.references) {
    const url = absoluteUrl(ref.src, place.url);
    if (url === undefined || !rendered.has(comparable(url))) continue;
    const resolved = resolveReference(ref.src, place, 'url');
    const report = (message: string) => r.problems.push({ file: r.shown, line: ref.line, field: 'body', message });
    if (resolved.kind === 'refused') report(resolved.message);
    if (resolved.kind !== 'local') continue;
    const info = await inspect(r, ref.src, resolved.local, ref.kind);
    if (info.ok) files.push(resolved.local);
    else report(info.message);
  }
}

/** Each file once, by the path it is published at. */
function uniqueFiles(files: LocalFile[]): LocalFile[] {
  return files.length < 2 ? files : [...new Map(files.map((f) => [f.outputPath, f])).values()];
}

/**
 * Reads one article or teaser file into an entry, or into the problems that
 * stop it (every problem the file has that can be found without the others).
 * `bytes`: the file's bytes when the caller has read them already.
 */
export async function loadArticleFile(file: string, config: ArticleSettings, bytes?: Buffer): Promise<FileResult> {
  const shown = path.relative(config.paths.root, file).split(path.sep).join('/');
  const r: Reading = { file, shown, config, problems: [], warnings: [], uses: [], writtenAs: (p) => [...p], lineOf: () => undefined };
  const result: FileResult = { file, draft: false, aliases: NO_ALIASES, unknownFields: NONE, problems: r.problems, warnings: r.warnings, uses: r.uses };

  const text = readText(r, bytes);
  if (text === undefined) return result;
  const split = splitFrontMatter(text);
  if (split.kind === 'missing') {
    r.problems.push({ file: shown, line: 1, message: split.message });
    return result;
  }
  if (split.kind === 'code') {
    r.warnings.push({ file: shown, line: 1, message: `front matter in ${split.language} is never run, so this file is left out: write its fields in YAML to publish it` });
    return result;
  }
  // Whatever its format: front matter is fields, and long text belongs in the body.
  const fmBytes = Buffer.byteLength(split.fm.text);
  if (fmBytes > MAX_FRONT_MATTER_BYTES) {
    throw tooLarge(`the front matter of ${shown}`, formatBytes(fmBytes), formatBytes(MAX_FRONT_MATTER_BYTES), 'keep it to its fields: long text belongs in the body', { file: shown, line: split.fm.firstLine });
  }
  const data = readFields(r, split.fm, result);
  if (!data) return result;

  const title = withoutControlChars(r, data.title, 'title', () => r.lineOf(['title']));
  const written =
    data.description === undefined ? undefined : withoutControlChars(r, data.description, 'description', () => r.lineOf(['description']));
  const bodyLine = lineOfText(text, split.fm.bodyStart);
  const body = withoutControlChars(r, text.slice(split.fm.bodyStart), 'body', () => bodyLine);

  const slug = resolveSlug(r, data);
  const date = resolveDate(r, data);
  if (slug === undefined || date === undefined) return result;
  const url = resolveUrl(r, data, slug, date);
  if (url === undefined) return result;
  if (data.updated && data.updated < date) problemAt(r, ['updated'], 'is earlier than date: make it the same as date or later, or remove it');

  const place: ArticlePlace = { file, url, siteUrl: config.site.url, contentDir: config.paths.content };
  const files: LocalFile[] = [];
  const image = await resolveImage(r, data, place, files);
  const enclosure = await resolveEnclosure(r, data, place, files);
  const isTeaser = body.trim() === '';
  const html = isTeaser ? '' : renderMarkdownBody(body, url, slug);
  if (!isTeaser) await bodyFiles(r, body, bodyLine, html, place, files);

  // A draft is work in progress (`hugo new` writes one with neither body nor description): it is never published, so it needs no standfirst yet.
  const draft = data.draft || data.published === false;
  const description = written ?? standfirstFromBody(html) ?? (draft ? '' : undefined);
  if (description === undefined) {
    const why = isTeaser ? 'a teaser has no body to take it from' : 'the body has no paragraph to take it from';
    problemAt(r, ['description'], `is required (${why}): add description: "one or two sentences under the title"`);
    return result;
  }

  const authors = data.author === undefined ? [config.site.author] : data.author.map((name) => ({ name }));
  result.entry = {
    kind: isTeaser ? 'teaser' : 'article',
    file: shown,
    slug,
    id: data.id ?? url,
    url,
    title,
    description,
    date,
    ...(data.updated ? { updated: data.updated } : {}),
    authors,
    tags: data.categories.length === 0 ? data.tags : [...new Set([...data.tags, ...data.categories])],
    ...(image ? { image } : {}),
    ...(enclosure ? { enclosure } : {}),
    ...(data.lang ? { lang: data.lang } : {}),
    html,
    files: uniqueFiles(files),
    related: data.related,
  };
  result.draft = draft;
  return result;
}
