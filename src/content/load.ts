import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { parseYaml } from '../util/yaml-schema.js';
import { loadArticleFile, slugFromFileName, type FileResult } from './article-file.js';
import type { Entry, Site } from './model.js';
import { frontMatterSchema } from './schema.js';


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
  const parsed = parseYaml(l.frontMatter, l.file, frontMatterSchema, { firstLine: 2 });
  if (!parsed.ok || parsed.value[field] === undefined) return {};
  const line = parsed.lineOf([field, ...rest]);
  return line === undefined ? {} : { line };
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
    files = await listMarkdown(config.paths.content);
  } catch (cause) {
    throw new BroadsheetError('CONTENT_INVALID', `cannot read the content folder ${config.paths.content}`, { cause });
  }
  const results = await loadFiles(files, config);
  const problems: Problem[] = results.flatMap((r) => r.problems);
  const warnings: Problem[] = results.flatMap((r) => r.warnings);
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
        if (!failedSlugs.has(slug)) report(`no article has the slug "${slug}"`);
      } else if (slug === l.entry.slug) report('an article cannot be related to itself');
      else if (isPublished(l) && !isPublished(target)) {
        report(`"${slug}" is ${target.draft ? 'a draft' : 'scheduled for later'} and would be a broken link`);
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
