import { statSync } from 'node:fs';
import type { Problem } from '../errors.js';
import { cacheKey, CachePack, codeFingerprint, type CacheRecord, type Pack, type PackOptions } from '../util/cache.js';
import { sameStat, trustedStat, type FileStat } from '../util/file-stat.js';
import { settle } from '../util/lazy.js';
import { readFileWithin } from '../util/limits.js';
import type { FileResult } from './article-file.js';
import { articleSettings, type ArticleSettings } from './settings.js';
import type { FrontMatterText } from './front-matter.js';
import type { Entry } from './model.js';
import { MAX_ARTICLE_BYTES } from './schema.js';

/**
 * Articles in the build cache (util/cache.ts, the `articles` pack): what
 * reading a file gave (its entry, rendered body, problems and warnings),
 * keyed by a hash of the file's path and bytes, of every setting reading it
 * depends on (ArticleSettings), of broadsheet's code and of the versions of
 * the libraries below; the pack is split over 16 files by key. A result
 * also depends on the local files the article uses: each one's size and
 * modification time (or its absence) is kept with it, and a difference
 * makes it a miss. Only per-file work is cached: the
 * checks across files (slugs, ids, related links, drafts and dates against
 * the clock) run on every build, in load.ts.
 *
 * A body is read from the pack only when something asks for it (the feeds
 * that show it, the digest): a rebuild renders the feeds of a few hundred
 * entries, not of every one.
 */

const PACKAGES = ['markdown-it', 'markdown-it-footnote', 'sanitize-html', 'js-yaml', 'smol-toml', 'yaml', 'zod'];

/** A local file an entry uses, by its stat (util/file-stat.ts: size, times, inode), `racy` when too young to stand for its bytes, or missing. */
type Stamp = [file: string, stat: FileStat | 'racy' | null];

/** An entry as JSON: dates as ISO strings, the body in the record's bytes. */
type StoredEntry = Omit<Entry, 'date' | 'updated'> & { date: string; updated?: string };

interface Stored {
  /** The file's absolute path, and its stat when it was read (when old enough to trust: see `trustedStat`). */
  src: string;
  stat: FileStat | null;
  /** A hash of the path and the bytes: the key is this and the settings. */
  content: string;
  draft: boolean;
  entry?: StoredEntry;
  /** A hash of the entry as reading made it (its fields, body included): what the documents that show it are keyed by. */
  made?: string;
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

export type ArticlePack = Pack<Stored>;

/** So that a rebuild after an edit rewrites a sixteenth of the pack (util/cache.ts PackOptions.shards). */
const SHARDS = 16;

/** Each entry's `made` hash (Stored). */
const entryKeys = new WeakMap<Entry, string>();

/**
 * A hash of an entry as reading its file made it, every field and the body,
 * when the build has a cache: the feed documents that show the entry are
 * keyed by it (feeds/index.ts), so a change to the article or to a local
 * file it uses (an image's size, an enclosure's length) renders them again.
 */
export function sourceKey(entry: Entry): string | undefined {
  return entryKeys.get(entry);
}

export function openArticlePack(cacheDir: string | undefined, options: Omit<PackOptions, 'keep'> = {}): ArticlePack | undefined {
  return CachePack.open<Stored>(cacheDir, 'articles', { ...options, keep: 'used', shards: SHARDS });
}

/** A local file's stamp: its full stat, as for article files, so a copy that kept the size and the modification time (cp -p, rsync -a) is still seen as changed. */
function stamp(file: string): Stamp {
  const s = statSync(file, { throwIfNoEntry: false });
  if (!s) return [file, null];
  return [file, trustedStat(file, Date.now()) ?? 'racy'];
}

/** Every used file as it was: a racy stamp matches nothing (its article is read again). */
const unchanged = (uses: readonly Stamp[]) =>
  uses.every(([file, then]) => {
    const [, now] = stamp(file);
    if (then === null || now === null) return then === now;
    return then !== 'racy' && now !== 'racy' && sameStat(then, now);
  });

/** Shared by the results that have none (most): a restored result is only read. */
const NO_ALIASES: ReadonlyMap<string, string> = new Map();
const NO_USES: readonly string[] = Object.freeze([]);

function restore(file: string, record: CacheRecord<Stored>): FileResult {
  const s = record.meta;
  const fm = s.fm;
  // Lazy parts are accessors written in the literals (util/lazy.ts settle): the front matter's text
  // is read from the pack only for a problem's line, a body only for what is rendered.
  const result: FileResult = {
    file,
    draft: s.draft,
    aliases: s.aliases ? new Map(s.aliases) : NO_ALIASES,
    // The index's own arrays, not copies: results are only read once made (the reader pushes only to its own).
    unknownFields: s.unknownFields,
    problems: s.problems,
    warnings: s.warnings,
    uses: s.uses.length === 0 ? NO_USES : s.uses.map((u) => u[0]),
    get frontMatter(): FrontMatterText | undefined {
      return fm && settle<FileResult, 'frontMatter'>(this, 'frontMatter', { ...fm, text: record.bytes().toString('utf8', s.htmlBytes) });
    },
    set frontMatter(value: FrontMatterText | undefined) {
      settle<FileResult, 'frontMatter'>(this, 'frontMatter', value);
    },
  };
  if (s.entry) {
    // A copy, in the order the reader wrote the fields (an accessor in a literal keeps its key's place);
    // the pack's index keeps its JSON form.
    const stored = s.entry as unknown as Entry;
    const date = new Date(s.entry.date);
    const entry: Entry =
      s.htmlBytes > 0
        ? {
            ...stored,
            date,
            get html(): string {
              return settle<Entry, 'html'>(this, 'html', record.bytes().toString('utf8', 0, s.htmlBytes));
            },
            set html(value: string) {
              settle<Entry, 'html'>(this, 'html', value);
            },
          }
        : { ...stored, date };
    if (s.entry.updated !== undefined) entry.updated = new Date(s.entry.updated);
    result.entry = entry;
  }
  return result;
}

/** Stores what reading a file gave; returns the hash of the entry it made, if any. */
function store(pack: ArticlePack, key: string, content: string, stat: FileStat | null, r: FileResult): string | undefined {
  const html = r.entry?.html ?? '';
  const htmlBytes = Buffer.byteLength(html);
  const fmText = r.frontMatter?.text ?? '';
  const bytes = Buffer.allocUnsafe(htmlBytes + Buffer.byteLength(fmText));
  bytes.write(html, 0);
  bytes.write(fmText, htmlBytes);
  const stored: Stored = {
    src: r.file,
    stat,
    content,
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
    stored.made = cacheKey(JSON.stringify(stored.entry), html);
  }
  if (r.frontMatter) {
    const { text: _text, ...place } = r.frontMatter;
    stored.fm = place;
  }
  if (r.aliases.size > 0) stored.aliases = [...r.aliases];
  pack.put(key, stored, bytes);
  return stored.made;
}

/**
 * Reads the files one after another, each from the pack when its bytes,
 * settings and local files are those of a stored result, else from disk
 * (and stores the result for the next build). A file whose stat is the one
 * stored with its result is not read at all: its bytes are taken to be the
 * same (see RACY_MS in util/file-stat.ts).
 */
export async function loadArticleFiles(files: readonly string[], config: ArticleSettings, pack: ArticlePack | undefined): Promise<FileResult[]> {
  const out: FileResult[] = [];
  // The reader (the Markdown, YAML and TOML parsers) is loaded at the first file not in the pack.
  let read: typeof import('./article-file.js') | undefined;
  const loadArticleFile = async (file: string, settings: ArticleSettings, bytes?: Buffer) => (read ??= await import('./article-file.js')).loadArticleFile(file, settings, bytes);
  if (!pack) {
    for (const f of files) out.push(await loadArticleFile(f, config));
    return out;
  }
  const salt = cacheKey(codeFingerprint(PACKAGES), JSON.stringify(articleSettings(config)));
  const known = new Map<string, Stored>();
  for (const meta of pack.metas()) if (meta.stat) known.set(meta.src, meta);
  // Date.now, not the injected clock: file times are the file system's, whatever time the site is built for.
  const now = Date.now();
  for (const file of files) {
    const stat = trustedStat(file, now);
    const seen = known.get(file);
    let content = stat && seen && sameStat(stat, seen.stat!) ? seen.content : undefined;
    let bytes: Buffer | undefined;
    if (content === undefined) {
      const within = readFileWithin(file, MAX_ARTICLE_BYTES);
      // Too large: the reader says so, as without a cache.
      if (!('bytes' in within)) {
        out.push(await loadArticleFile(file, config));
        continue;
      }
      bytes = within.bytes;
      content = cacheKey(file, bytes);
    }
    const key = cacheKey(salt, content);
    const record = pack.get(key);
    let result: FileResult;
    let made: string | undefined;
    if (record && unchanged(record.meta.uses)) {
      result = restore(file, record);
      made = record.meta.made;
    } else {
      result = await loadArticleFile(file, config, bytes);
      made = store(pack, key, content, stat, result);
    }
    if (result.entry && made !== undefined) entryKeys.set(result.entry, made);
    out.push(result);
  }
  return out;
}
