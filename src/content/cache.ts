import { statSync } from 'node:fs';
import type { Problem } from '../errors.js';
import { cacheKey, CachePack, codeFingerprint, type CacheRecord, type PackOptions } from '../util/cache.js';
import { lazy } from '../util/lazy.js';
import { readFileWithin } from '../util/limits.js';
import { articleSettings, loadArticleFile, type ArticleSettings, type FileResult } from './article-file.js';
import type { FrontMatterText } from './front-matter.js';
import type { Entry } from './model.js';
import { MAX_ARTICLE_BYTES } from './schema.js';

/**
 * Articles in the build cache (util/cache.ts, the `articles` pack): what
 * reading a file gave (its entry, rendered body, problems and warnings),
 * keyed by a hash of the file's path and bytes, of every setting reading it
 * depends on (ArticleSettings), of broadsheet's code and of the versions of
 * the libraries below. A result also depends on the local files the article
 * uses: each one's size and modification time (or its absence) is kept with
 * it, and a difference makes it a miss. Only per-file work is cached: the
 * checks across files (slugs, ids, related links, drafts and dates against
 * the clock) run on every build, in load.ts.
 *
 * A body is read from the pack only when something asks for it (the feeds
 * that show it, the digest): a rebuild renders the feeds of a few hundred
 * entries, not of every one.
 */

const PACKAGES = ['markdown-it', 'markdown-it-footnote', 'sanitize-html', 'js-yaml', 'smol-toml', 'yaml', 'zod'];

/** A local file as it was: size and modification time, or `null` when it did not exist. */
type Stamp = [file: string, size: number, mtimeMs: number] | [file: string, missing: null];

/** An entry as JSON: dates as ISO strings, the body in the record's bytes. */
type StoredEntry = Omit<Entry, 'date' | 'updated'> & { date: string; updated?: string };

interface Stored {
  draft: boolean;
  entry?: StoredEntry;
  /** The front matter's place; its text follows the body in the record's bytes. */
  fm?: Omit<FrontMatterText, 'text'>;
  /** UTF-8 length of the body at the start of the record's bytes. */
  htmlBytes: number;
  aliases?: [string, string][];
  unknownFields: readonly string[];
  problems: Problem[];
  warnings: Problem[];
  uses: Stamp[];
}

export type ArticlePack = CachePack<Stored>;

/** Each entry's key in the pack: what its feed items and the archive pages that hold it are keyed by. */
const entryKeys = new WeakMap<Entry, string>();

/** The cache key of the file an entry was read from, when the build has a cache. */
export function sourceKey(entry: Entry): string | undefined {
  return entryKeys.get(entry);
}

export function openArticlePack(cacheDir: string | undefined, options: Omit<PackOptions, 'keep'> = {}): ArticlePack | undefined {
  return CachePack.open<Stored>(cacheDir, 'articles', { ...options, keep: 'used' });
}

function stamp(file: string): Stamp {
  const s = statSync(file, { throwIfNoEntry: false });
  return s ? [file, s.size, s.mtimeMs] : [file, null];
}

const unchanged = (uses: readonly Stamp[]) => uses.every((u) => {
  const now = stamp(u[0]);
  return now[1] === u[1] && now[2] === u[2];
});

function restore(file: string, record: CacheRecord<Stored>): FileResult {
  const s = record.meta;
  const result: FileResult = {
    file,
    draft: s.draft,
    aliases: new Map(s.aliases ?? []),
    unknownFields: s.unknownFields,
    problems: [...s.problems],
    warnings: [...s.warnings],
    uses: s.uses.map((u) => u[0]),
  };
  if (s.fm) {
    const fm = s.fm;
    lazy(result, 'frontMatter', () => ({ ...fm, text: record.bytes().toString('utf8', s.htmlBytes) }));
  }
  if (s.entry) {
    // A copy, in the order the reader wrote the fields; the pack's index keeps its JSON form.
    const entry = { ...s.entry } as unknown as Entry;
    entry.date = new Date(s.entry.date);
    if (s.entry.updated !== undefined) entry.updated = new Date(s.entry.updated);
    if (s.htmlBytes > 0) lazy(entry, 'html', () => record.bytes().toString('utf8', 0, s.htmlBytes));
    result.entry = entry;
  }
  return result;
}

function store(pack: ArticlePack, key: string, r: FileResult): void {
  const html = r.entry?.html ?? '';
  const htmlBytes = Buffer.byteLength(html);
  const fmText = r.frontMatter?.text ?? '';
  const bytes = Buffer.allocUnsafe(htmlBytes + Buffer.byteLength(fmText));
  bytes.write(html, 0);
  bytes.write(fmText, htmlBytes);
  const stored: Stored = {
    draft: r.draft,
    htmlBytes,
    unknownFields: r.unknownFields,
    problems: r.problems,
    warnings: r.warnings,
    uses: r.uses.map(stamp),
  };
  if (r.entry) {
    const { date, updated } = r.entry;
    // Fields keep their places; an absent `updated` stays absent (JSON drops undefined).
    stored.entry = { ...r.entry, html: '', date: date.toISOString(), updated: updated?.toISOString() };
  }
  if (r.frontMatter) {
    const { text: _text, ...place } = r.frontMatter;
    stored.fm = place;
  }
  if (r.aliases.size > 0) stored.aliases = [...r.aliases];
  pack.put(key, stored, bytes);
}

/**
 * Reads the files one after another, each from the pack when its bytes,
 * settings and local files are those of a stored result, else from disk
 * (and stores the result for the next build).
 */
export async function loadArticleFiles(files: readonly string[], config: ArticleSettings, pack: ArticlePack | undefined): Promise<FileResult[]> {
  const out: FileResult[] = [];
  if (!pack) {
    for (const f of files) out.push(await loadArticleFile(f, config));
    return out;
  }
  const salt = cacheKey(codeFingerprint(PACKAGES), JSON.stringify(articleSettings(config)));
  for (const file of files) {
    const read = readFileWithin(file, MAX_ARTICLE_BYTES);
    // Too large: the reader says so, as without a cache.
    if (!('bytes' in read)) {
      out.push(await loadArticleFile(file, config));
      continue;
    }
    const key = cacheKey(salt, file, read.bytes);
    const record = pack.get(key);
    let result: FileResult;
    if (record && unchanged(record.meta.uses)) result = restore(file, record);
    else {
      result = await loadArticleFile(file, config, read.bytes);
      store(pack, key, result);
    }
    if (result.entry) entryKeys.set(result.entry, key);
    out.push(result);
  }
  return out;
}
