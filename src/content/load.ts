import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { pathMatcher } from '../util/glob.js';
import { fieldLine, loadArticleFile, slugFromFileName, type FileResult } from './article-file.js';
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
    for (const item of items) {
      if (item.name.startsWith('.')) continue;
      const full = path.join(d, item.name);
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
 * One file after another on this thread. A second thread was tried: on two
 * cores each half ran a third slower (allocation and GC contend) and copying
 * the entries back cost more than the rest saved.
 */
async function loadFiles(files: readonly string[], config: Config): Promise<FileResult[]> {
  const out: FileResult[] = [];
  for (const f of files) out.push(await loadArticleFile(f, config));
  return out;
}

/** The line of a front-matter field, found only when a problem needs it; nothing when the field is derived. */
function lineOf(l: FileResult, field: 'slug' | 'id' | 'related', ...rest: number[]): { line?: number } {
  const line = fieldLine(l, [field, ...rest]);
  return line === undefined ? {} : { line };
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
 * lists every problem in every file.
 */
export async function loadSite(config: Config, clock: Clock): Promise<Site> {
  let files: string[];
  try {
    files = await listMarkdown(config.paths.content, config.content.exclude);
  } catch (cause) {
    throw new BroadsheetError('CONTENT_INVALID', `cannot read the content folder ${config.paths.content}`, { cause });
  }
  const results = await loadFiles(files, config);
  const problems: Problem[] = results.flatMap((r) => r.problems);
  const warnings: Problem[] = results.flatMap((r) => r.warnings);
  const unknown = unknownFieldsWarning(results, path.relative(config.paths.root, config.paths.content).split(path.sep).join('/') || '.');
  if (unknown) warnings.push(unknown);
  const loaded = results.filter((r): r is FileResult & { entry: Entry } => r.entry !== undefined && r.problems.length === 0);
  // A file that failed is already reported; links to it must not add a second, misleading error.
  const failedSlugs = new Set(results.filter((r) => !r.entry || r.problems.length > 0).map((r) => r.entry?.slug ?? slugFromFileName(r.file)));

  const bySlug = new Map<string, (typeof loaded)[number]>();
  const byId = new Map<string, (typeof loaded)[number]>();
  for (const l of loaded) {
    const clash = bySlug.get(l.entry.slug);
    if (clash) {
      problems.push({ file: l.entry.file, ...lineOf(l, 'slug'), field: 'slug', message: `duplicate slug "${l.entry.slug}", also used by ${clash.entry.file}` });
      continue;
    }
    bySlug.set(l.entry.slug, l);
    const idClash = byId.get(l.entry.id);
    if (idClash) problems.push({ file: l.entry.file, ...lineOf(l, 'id'), field: 'id', message: `duplicate id "${l.entry.id}", also used by ${idClash.entry.file}` });
    else byId.set(l.entry.id, l);
  }

  const now = clock.now().getTime();
  const unpublished: Site['unpublished'] = [];
  const isPublished = (l: FileResult & { entry: Entry }) => !l.draft && l.entry.date.getTime() <= now;
  for (const l of loaded) {
    if (!isPublished(l)) unpublished.push({ slug: l.entry.slug, file: l.entry.file, reason: l.draft ? 'draft' : 'scheduled' });
    l.entry.related.forEach((slug, i) => {
      const target = bySlug.get(slug);
      const report = (message: string) => problems.push({ file: l.entry.file, ...lineOf(l, 'related', i), field: `related[${i}]`, message });
      if (!target) {
        const near = nearestSlug(slug, bySlug.keys());
        if (!failedSlugs.has(slug)) report(`no article has the slug "${slug}"${near ? `: did you mean "${near}"?` : ''}`);
      } else if (slug === l.entry.slug) report('an article cannot be related to itself');
      else if (isPublished(l) && !isPublished(target)) {
        report(`"${slug}" is ${target.draft ? 'a draft' : 'scheduled for later'} and would be a broken link`);
      }
    });
  }

  problems.push(...fileClashes(loaded.filter(isPublished)));
  if (problems.length > 0) {
    problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
    const fileCount = new Set(problems.map((p) => p.file)).size;
    throw new BroadsheetError('CONTENT_INVALID', `${problems.length} problem(s) in ${fileCount} file(s)`, { problems });
  }

  const entries = loaded.filter(isPublished).map((l) => l.entry).sort(compareEntries);
  return { config, entries, bySlug: new Map(entries.map((e) => [e.slug, e])), warnings, unpublished };
}
