import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { mapLimit } from '../util/pool.js';
import { firstInvalidUtf8, lineAtOffset } from '../util/utf8.js';
import { hasXmlIllegalChars, stripXmlIllegalChars } from '../util/xml-chars.js';
import { parseYaml } from '../util/yaml-schema.js';
import { readLocalImage } from './image.js';
import { absoluteUrl, renderMarkdown } from './markdown.js';
import type { Entry, EntryImage, Site } from './model.js';
import { frontMatterSchema, SLUG_RE, type FrontMatter } from './schema.js';

const FRONT_MATTER_RE = /^---[ \t]*\r?\n([\s\S]*?)\r?\n?^---[ \t]*(?:\r?\n|$)/m;

interface Loaded {
  entry: Entry;
  draft: boolean;
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

async function listMarkdown(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    const items = await readdir(d, { withFileTypes: true });
    for (const item of items) {
      if (item.name.startsWith('.')) continue;
      const full = path.join(d, item.name);
      if (item.isDirectory()) await walk(full);
      else if (/\.(md|markdown)$/i.test(item.name)) found.push(full);
    }
  };
  await walk(dir);
  // Directory order differs between file systems; sorted input keeps builds reproducible.
  return found.sort();
}

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

async function loadFile(file: string, config: Config, problems: Problem[], warnings: Problem[]): Promise<Loaded | undefined> {
  const shown = path.relative(config.paths.root, file).split(path.sep).join('/');
  const bytes = await readFile(file);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    problems.push({ file: shown, line: lineAtOffset(bytes, bad), message: `invalid UTF-8 at byte ${bad}; save the file as UTF-8` });
    return undefined;
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const fm = FRONT_MATTER_RE.exec(text);
  if (!fm || fm.index !== 0) {
    problems.push({ file: shown, line: 1, message: 'missing front matter: the file must start with a "---" line, the YAML fields, and another "---" line' });
    return undefined;
  }
  const parsed = parseYaml(fm[1] ?? '', shown, frontMatterSchema, { firstLine: 2 });
  if (!parsed.ok) {
    problems.push(...parsed.problems);
    return undefined;
  }
  const data: FrontMatter = parsed.value;
  const bodyStart = fm[0].length;
  let body = text.slice(bodyStart);

  const clean = (value: string, field: string, line: number | undefined): string => {
    if (!hasXmlIllegalChars(value)) return value;
    warnings.push({ file: shown, ...(line === undefined ? {} : { line }), field, message: 'removed control characters that XML cannot carry' });
    return stripXmlIllegalChars(value);
  };
  const title = clean(data.title, 'title', parsed.lineOf(['title']));
  const description = clean(data.description, 'description', parsed.lineOf(['description']));
  body = clean(body, 'body', lineOfText(text, bodyStart));

  const slug = data.slug ?? slugFromFileName(file);
  if (!SLUG_RE.test(slug)) {
    problems.push({ file: shown, field: 'slug', message: `the file name gives the slug "${slug}", which is not valid; rename the file or set slug` });
    return undefined;
  }

  const base = config.site.url;
  let url: string;
  if (data.url !== undefined) {
    const abs = absoluteUrl(data.url, base);
    if (!abs || !/^https?:/.test(abs)) {
      problems.push({ file: shown, line: parsed.lineOf(['url']), field: 'url', message: `"${data.url}" is not an http(s) URL or a path` } as Problem);
      return undefined;
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
          image = { url: new URL(outputPath, base).href, alt: data.image.alt, type: info.type, length: info.length, file: local, outputPath };
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
    html: isTeaser ? '' : renderMarkdown(body, url),
    related: data.related,
  };
  return { entry, draft: data.draft, lineOf: parsed.lineOf };
}

function compareEntries(a: Entry, b: Entry): number {
  return b.date.getTime() - a.date.getTime() || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
}

/**
 * Reads every article under the content folder, validates all of them and
 * either returns the published site or throws one CONTENT_INVALID error that
 * lists every problem in every file.
 */
export async function loadSite(config: Config, clock: Clock): Promise<Site> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  let files: string[];
  try {
    files = await listMarkdown(config.paths.content);
  } catch (cause) {
    throw new BroadsheetError('CONTENT_INVALID', `cannot read the content folder ${config.paths.content}`, { cause });
  }
  const results = await mapLimit(files, 32, (f) => loadFile(f, config, problems, warnings));
  const loaded = results.filter((l): l is Loaded => l !== undefined);
  // A file that failed is already reported; links to it must not add a second, misleading error.
  const failedSlugs = new Set(files.filter((_, i) => results[i] === undefined).map(slugFromFileName));

  const bySlug = new Map<string, Loaded>();
  const byId = new Map<string, Loaded>();
  for (const l of loaded) {
    const clash = bySlug.get(l.entry.slug);
    if (clash) {
      problems.push({ file: l.entry.file, field: 'slug', message: `duplicate slug "${l.entry.slug}", also used by ${clash.entry.file}` });
      continue;
    }
    bySlug.set(l.entry.slug, l);
    const idClash = byId.get(l.entry.id);
    if (idClash) problems.push({ file: l.entry.file, field: 'id', message: `duplicate id "${l.entry.id}", also used by ${idClash.entry.file}` });
    else byId.set(l.entry.id, l);
  }

  const now = clock.now().getTime();
  const unpublished: Site['unpublished'] = [];
  const isPublished = (l: Loaded) => !l.draft && l.entry.date.getTime() <= now;
  for (const l of loaded) {
    if (!isPublished(l)) unpublished.push({ slug: l.entry.slug, file: l.entry.file, reason: l.draft ? 'draft' : 'scheduled' });
    l.entry.related.forEach((slug, i) => {
      const target = bySlug.get(slug);
      const at = { file: l.entry.file, line: l.lineOf(['related', i]), field: `related[${i}]` } as Problem;
      if (!target) {
        if (!failedSlugs.has(slug)) problems.push({ ...at, message: `no article has the slug "${slug}"` });
      }
      else if (slug === l.entry.slug) problems.push({ ...at, message: 'an article cannot be related to itself' });
      else if (isPublished(l) && !isPublished(target)) {
        problems.push({ ...at, message: `"${slug}" is ${target.draft ? 'a draft' : 'scheduled for later'} and would be a broken link` });
      }
    });
  }

  if (problems.length > 0) {
    problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
    const fileCount = new Set(problems.map((p) => p.file)).size;
    throw new BroadsheetError('CONTENT_INVALID', `${problems.length} problem(s) in ${fileCount} file(s)`, { problems });
  }

  const entries = loaded.filter(isPublished).map((l) => l.entry).sort(compareEntries);
  return { config, entries, bySlug: new Map(entries.map((e) => [e.slug, e])), warnings, unpublished };
}
