import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { pathMatcher } from '../util/glob.js';
import type { FileResult } from './article-file.js';
import { loadArticleFiles, type ArticlePack } from './cache.js';
import { closestField, editDistance } from './fields.js';
import type { Entry, Site } from './model.js';

/** Hugo's list pages (`_index.md`) describe a section, never an entry, whatever `content.exclude` says. */
const LIST_PAGE = /^_index\.(md|markdown)$/i;

/**
 * The Markdown files under the content folder, without hidden files, list
 * pages and what `content.exclude` leaves out (an excluded folder is not
 * entered).
 */
async function listMarkdown(dir: string, exclude: readonly string[]): Promise<string[]> {
  const excluded = pathMatcher(exclude);
  const found: string[] = [];
  const walk = async (d: string, rel: string) => {
    const items = await readdir(d, { withFileTypes: true });
    // `d` is absolute and normalised, so joining by hand gives what path.join would, without
    // normalising each of 10,000 paths again (7 to 12 ms of a 10,000-article rebuild).
    const prefix = d.endsWith(path.sep) ? d : d + path.sep;
    for (const item of items) {
      if (item.name.startsWith('.')) continue;
      const full = prefix + item.name;
      const relPath = rel ? `${rel}/${item.name}` : item.name;
      if (excluded(relPath, item.isDirectory())) continue;
      if (item.isDirectory()) await walk(full, relPath);
      else if (/\.(md|markdown)$/i.test(item.name) && !LIST_PAGE.test(item.name)) found.push(full);
    }
  };
  await walk(dir, '');
  // Directory order differs between file systems; sorted input keeps builds reproducible.
  return found.sort();
}

/**
 * The Markdown files loadSite reads, listed on libuv's threads: a build that
 * starts this before it opens the build cache has the folder read while the
 * cache's index is parsed (7 ms of idle on a 10,000-article rebuild, before).
 */
export function listArticles(config: Config): Promise<string[]> {
  const listing = listMarkdown(config.paths.content, config.content.exclude).catch((cause: unknown) => {
    throw new BroadsheetError('CONTENT_INVALID', `cannot read the content folder ${config.paths.content}`, { cause });
  });
  // loadSite awaits it; a build stopped before then (a damaged cache) has nothing to report of it.
  listing.catch(() => {});
  return listing;
}

/** The reader, loaded only when a problem needs it: a rebuild from the build cache parses no file. */
const reader = () => import('./article-file.js');

/** A problem at a front-matter field of a file, whose line is looked up (parsing the front matter again) only once the build fails. */
interface AtField {
  l: FileResult;
  path: [string, ...number[]];
  make(line: { line?: number }): Problem;
}

/** One warning for every unknown front-matter key of the build: which keys, in how many files. */
function unknownFieldsWarning(results: readonly FileResult[], contentDir: string): Problem | undefined {
  const files = new Map<string, number>();
  let fileCount = 0;
  for (const r of results) {
    if (r.unknownFields.length > 0) fileCount++;
    for (const key of r.unknownFields) files.set(key, (files.get(key) ?? 0) + 1);
  }
  if (files.size === 0) return undefined;
  const keys = [...files].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = keys.slice(0, 12).map(([k, n]) => {
    const near = closestField(k);
    return `${k} (${n}${near ? `; did you mean ${near}?` : ''})`;
  });
  if (keys.length > 12) shown.push(`and ${keys.length - 12} more`);
  return {
    file: contentDir,
    message: `ignored ${keys.length} front-matter field(s) broadsheet does not read, in ${fileCount} file(s): ${shown.join(', ')}; set content.strict: true to make them errors`,
  };
}

/** A problem at `related[i]` of an entry. */
function relatedProblem(l: FileResult, i: number, message: string): AtField {
  return { l, path: ['related', i], make: (at) => ({ file: l.entry!.file, ...at, field: `related[${i}]`, message }) };
}

/** The slug nearest to a mistyped one, for "did you mean". */
function nearestSlug(slug: string, slugs: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(slug.length / 4)) + 1;
  for (const s of slugs) {
    const d = editDistance(slug, s);
    if (d < bestDistance) [best, bestDistance] = [s, d];
  }
  return best;
}

/** Local files two entries publish at the same path with different contents: a problem for the second. */
function fileClashes(loaded: readonly (FileResult & { entry: Entry })[]): Problem[] {
  const owners = new Map<string, { file: string; entry: string }>();
  const problems: Problem[] = [];
  for (const l of loaded) {
    for (const f of l.entry.files) {
      const owner = owners.get(f.outputPath);
      if (!owner) owners.set(f.outputPath, { file: f.file, entry: l.entry.file });
      else if (owner.file !== f.file) {
        problems.push({
          file: l.entry.file,
          message: `${f.outputPath} would be published for this entry and for ${owner.entry}, from different files: rename one of them`,
        });
      }
    }
  }
  return problems;
}

function compareEntries(a: Entry, b: Entry): number {
  return b.date.getTime() - a.date.getTime() || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
}

/**
 * Reads every article under the content folder, validates all of them and
 * either returns the published site or throws one CONTENT_INVALID error that
 * lists every problem in every file. With `cache`, a file read by an earlier
 * build is not read again (content/cache.ts); the checks across files run
 * all the same.
 *
 * Files are read one after another on this thread. A second thread was
 * tried: on two cores each half ran a third slower (allocation and GC
 * contend) and copying the entries back cost more than the rest saved.
 */
export async function loadSite(config: Config, clock: Clock, cache?: ArticlePack, listing: Promise<string[]> = listArticles(config)): Promise<Site> {
  const files = await listing;
  const results = await loadArticleFiles(files, config, cache);
  const problems: (Problem | AtField)[] = results.flatMap((r) => r.problems);
  const warnings: Problem[] = results.flatMap((r) => r.warnings);
  const unknown = unknownFieldsWarning(results, path.relative(config.paths.root, config.paths.content).split(path.sep).join('/') || '.');
  if (unknown) warnings.push(unknown);
  const loaded = results.filter((r): r is FileResult & { entry: Entry } => r.entry !== undefined && r.problems.length === 0);
  // A file that failed is already reported; links to it must not add a second, misleading error.
  const failed = results.filter((r) => !r.entry || r.problems.length > 0);
  const slugFromFileName = failed.some((r) => !r.entry) ? (await reader()).slugFromFileName : undefined;
  const failedSlugs = new Set(failed.map((r) => r.entry?.slug ?? slugFromFileName!(r.file)));

  const bySlug = new Map<string, (typeof loaded)[number]>();
  const byId = new Map<string, (typeof loaded)[number]>();
  for (const l of loaded) {
    const clash = bySlug.get(l.entry.slug);
    if (clash) {
      problems.push({ l, path: ['slug'], make: (at) => ({ file: l.entry.file, ...at, field: 'slug', message: `duplicate slug "${l.entry.slug}", also used by ${clash.entry.file}` }) });
      continue;
    }
    bySlug.set(l.entry.slug, l);
    const idClash = byId.get(l.entry.id);
    if (idClash) problems.push({ l, path: ['id'], make: (at) => ({ file: l.entry.file, ...at, field: 'id', message: `duplicate id "${l.entry.id}", also used by ${idClash.entry.file}` }) });
    else byId.set(l.entry.id, l);
  }

  const now = clock.now().getTime();
  const unpublished: Site['unpublished'] = [];
  const isPublished = (l: FileResult & { entry: Entry }) => !l.draft && l.entry.date.getTime() <= now;
  const published: (typeof loaded)[number][] = [];
  // Plain loops, no closure per entry or link: these checks run over every entry on every build,
  // a rebuild from the cache included.
  for (const l of loaded) {
    const shown = isPublished(l);
    if (shown) published.push(l);
    else unpublished.push({ slug: l.entry.slug, file: l.entry.file, reason: l.draft ? 'draft' : 'scheduled' });
    const related = l.entry.related;
    for (let i = 0; i < related.length; i++) {
      const slug = related[i]!;
      const target = bySlug.get(slug);
      let message: string | undefined;
      if (!target) {
        if (!failedSlugs.has(slug)) {
          const near = nearestSlug(slug, bySlug.keys());
          message = `no article has the slug "${slug}"${near ? `: did you mean "${near}"?` : ''}`;
        }
      } else if (slug === l.entry.slug) message = 'an article cannot be related to itself';
      else if (shown && !isPublished(target)) message = `"${slug}" is ${target.draft ? 'a draft' : 'scheduled for later'} and would be a broken link`;
      if (message !== undefined) problems.push(relatedProblem(l, i, message));
    }
  }

  problems.push(...fileClashes(published));
  if (problems.length > 0) {
    const fieldLine = problems.some((p) => 'make' in p) ? (await reader()).fieldLine : undefined;
    const all = problems.map((p) => {
      if (!('make' in p)) return p;
      const line = fieldLine!(p.l, p.path);
      return p.make(line === undefined ? {} : { line });
    });
    all.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
    const fileCount = new Set(all.map((p) => p.file)).size;
    throw new BroadsheetError('CONTENT_INVALID', `${all.length} problem(s) in ${fileCount} file(s)`, { problems: all });
  }

  const entries = published.map((l) => l.entry).sort(compareEntries);
  const shownBySlug = new Map<string, Entry>();
  for (const e of entries) shownBySlug.set(e.slug, e);
  return { config, entries, bySlug: shownBySlug, warnings, unpublished };
}
