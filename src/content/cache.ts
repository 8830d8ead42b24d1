import { statSync } from 'node:fs';
import path from 'node:path';
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
 * keyed by a hash of the file's path and bytes, in a pack written under
 * every setting reading it depends on (ArticleSettings), broadsheet's code
 * and the versions of the libraries below (its scope: a pack written under
 * another is not used); the pack is split over 64 files by key. A result
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

/**
 * An entry as JSON: dates as ISO strings, the body in the record's bytes,
 * and `authors` 0 when it is the site's author alone (most entries).
 */
type StoredEntry = Omit<Entry, 'date' | 'updated' | 'authors'> & { date: string; updated?: string; authors: Entry['authors'] | 0 };

/*
 * The index of the articles' pack is parsed whole on every build and held
 * until the pack is written, so a record holds no value that another gives:
 * no empty list, no absolute path (the entry's `file` names the file), not
 * the site's author. For 10,000 articles the index went from 11.0 to 9.1 MB
 * (docs/performance.md).
 */
interface Stored {
  /** The file as an entry shows it (relative to the project's root, with `/`), when there is no entry whose `file` says so. */
  shown?: string;
  /** The file's stat when it was read (when old enough to trust: see `trustedStat`). */
  stat: FileStat | null;
  /**
   * A hash of the path and the bytes: the record's key (the settings and the
   * code are the pack's scope). Kept in the record too, since a file found
   * by its stat is looked up from the record, which `metas()` gives without
   * its key.
   */
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
  /** Each list is absent when empty. */
  unknownFields?: readonly string[];
  problems?: Problem[];
  warnings?: Problem[];
  uses?: Stamp[];
}

export type ArticlePack = Pack<Stored>;

/**
 * So that a rebuild after an edit rewrites a sixty-fourth of the pack (util/cache.ts PackOptions.shards):
 * with 16 files, writing the two an edit touches took 20 ms of a 10,000-article rebuild, with 64 about 7 (docs/performance.md).
 */
const SHARDS = 64;

/**
 * What the cache knows of an entry it read or restored: its `made` hash
 * (Stored) and, for a restored entry whose body is still in the pack, where
 * the body is (RESTORED_HTML). One map for both: a set per entry, not two.
 */
interface EntryInfo {
  made: string;
  record?: CacheRecord<Stored>;
}
const entryInfo = new WeakMap<Entry, EntryInfo>();

/**
 * A hash of an entry as reading its file made it, every field and the body,
 * when the build has a cache: the feed documents that show the entry are
 * keyed by it (feeds/index.ts), so a change to the article or to a local
 * file it uses (an image's size, an enclosure's length) renders them again.
 */
export function sourceKey(entry: Entry): string | undefined {
  return entryInfo.get(entry)?.made;
}

/**
 * What every record's key is made under (PackOptions.scope): the settings
 * reading depends on, broadsheet's code and the libraries'. A record's key
 * is then the hash of its file's path and bytes alone.
 */
function articleScope(config: ArticleSettings): string {
  return cacheKey(codeFingerprint(PACKAGES), JSON.stringify(articleSettings(config)));
}

export function openArticlePack(config: ArticleSettings & { paths: { cache?: string | undefined } }, options: Omit<PackOptions, 'keep' | 'scope'> = {}): ArticlePack | undefined {
  if (config.paths.cache === undefined) return undefined;
  return CachePack.open<Stored>(config.paths.cache, 'articles', { ...options, keep: 'used', shards: SHARDS, scope: articleScope(config) });
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
const NONE: readonly never[] = Object.freeze([]);

/*
 * A restored entry's body and front matter are read from the pack only when
 * asked for: a body for what is rendered, the front matter's text for a
 * problem's line. The body is an accessor whose functions every restored
 * entry shares, added where the reader puts `html`: an accessor written in
 * each object literal (a new pair of functions per object) left V8 no choice
 * but to hold every entry as a hash table, which made each read of a field,
 * on every check and feed after, several times slower (docs/performance.md).
 */
const RESTORED_HTML: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: Entry): string {
    const { record } = entryInfo.get(this)!;
    return settle(this, 'html', record!.bytes().toString('utf8', 0, record!.meta.htmlBytes));
  },
  set(this: Entry, value: string) {
    settle(this, 'html', value);
  },
};

/** A restored result's front matter: its place from the index, its text from the record when asked for (a problem's line). */
class StoredFrontMatter implements FrontMatterText {
  readonly format: FrontMatterText['format'];
  readonly firstLine: number;
  readonly bodyStart: number;
  #text: string | undefined;
  constructor(
    place: Omit<FrontMatterText, 'text'>,
    private readonly record: CacheRecord<Stored>,
  ) {
    this.format = place.format;
    this.firstLine = place.firstLine;
    this.bodyStart = place.bodyStart;
  }
  get text(): string {
    return (this.#text ??= this.record.bytes().toString('utf8', this.record.meta.htmlBytes));
  }
}

function restore(file: string, record: CacheRecord<Stored>, siteAuthor: ArticleSettings['site']['author']): FileResult {
  const s = record.meta;
  const result: FileResult = {
    file,
    draft: s.draft,
    aliases: s.aliases ? new Map(s.aliases) : NO_ALIASES,
    // The index's own lists, or one empty list for all: a result is only read once made (the reader
    // pushes only to its own).
    unknownFields: s.unknownFields ?? NONE,
    problems: s.problems ?? (NONE as unknown as Problem[]),
    warnings: s.warnings ?? (NONE as unknown as Problem[]),
    uses: s.uses ? s.uses.map((u) => u[0]) : NONE,
    frontMatter: s.fm && new StoredFrontMatter(s.fm, record),
  };
  if (s.entry) {
    // A copy, field by field in the order the reader wrote them (the index keeps that order and its JSON form).
    const stored = s.entry;
    const entry = {} as Record<string, unknown>;
    for (const key in stored) {
      const value = stored[key as keyof StoredEntry];
      if (key === 'html') {
        if (s.htmlBytes > 0) Object.defineProperty(entry, 'html', RESTORED_HTML);
        else entry.html = '';
      } else if (key === 'date' || key === 'updated') entry[key] = new Date(value as string);
      // As the reader makes it: a new list holding the config's own author.
      else if (key === 'authors') entry.authors = value === 0 ? [siteAuthor] : value;
      else entry[key] = value;
    }
    entryInfo.set(entry as unknown as Entry, s.htmlBytes > 0 ? { made: s.made!, record } : { made: s.made! });
    result.entry = entry as unknown as Entry;
  }
  return result;
}

/** Stores what reading a file gave; returns the hash of the entry it made, if any. */
function store(pack: ArticlePack, content: string, stat: FileStat | null, r: FileResult, siteAuthor: ArticleSettings['site']['author'], shown: string): string | undefined {
  const html = r.entry?.html ?? '';
  const htmlBytes = Buffer.byteLength(html);
  const fmText = r.frontMatter?.text ?? '';
  const bytes = Buffer.allocUnsafe(htmlBytes + Buffer.byteLength(fmText));
  bytes.write(html, 0);
  bytes.write(fmText, htmlBytes);
  const stored: Stored = { stat, content, draft: r.draft, htmlBytes };
  if (r.unknownFields.length > 0) stored.unknownFields = r.unknownFields;
  if (r.problems.length > 0) stored.problems = r.problems;
  if (r.warnings.length > 0) stored.warnings = r.warnings;
  if (r.uses.length > 0) stored.uses = r.uses.map(stamp);
  if (r.entry) {
    const { date, updated, authors } = r.entry;
    // Fields keep their places; an absent `updated` stays absent (JSON drops undefined).
    const entry: StoredEntry = { ...r.entry, html: '', date: date.toISOString(), updated: updated?.toISOString() };
    stored.made = cacheKey(JSON.stringify(entry), html);
    if (authors.length === 1 && authors[0] === siteAuthor) entry.authors = 0;
    stored.entry = entry;
  } else stored.shown = shown;
  if (r.frontMatter) {
    const { text: _text, ...place } = r.frontMatter;
    stored.fm = place;
  }
  if (r.aliases.size > 0) stored.aliases = [...r.aliases];
  pack.put(content, stored, bytes);
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
  const { root } = config.paths;
  const rootPrefix = root.endsWith(path.sep) ? root : root + path.sep;
  // The file as an entry shows it (Stored.shown): the part after the root, since the listed paths are
  // normalised already (path.relative normalises both again: 25 ms for 10,000 files). A path this got
  // wrong would only miss its record, and the file would be read again.
  const shownOf = (file: string) => {
    const rel = file.startsWith(rootPrefix) ? file.slice(rootPrefix.length) : path.relative(root, file);
    return path.sep === '/' ? rel : rel.split(path.sep).join('/');
  };
  const known = new Map<string, Stored>();
  for (const meta of pack.metas()) {
    const shown = meta.entry?.file ?? meta.shown;
    if (meta.stat && shown !== undefined) known.set(shown, meta);
  }
  // Date.now, not the injected clock: file times are the file system's, whatever time the site is built for.
  const now = Date.now();
  for (const file of files) {
    const stat = trustedStat(file, now);
    const shown = shownOf(file);
    const seen = known.get(shown);
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
    // The settings and code are the pack's scope (openArticlePack): the file's hash is the key.
    const record = pack.get(content);
    let result: FileResult;
    if (record && unchanged(record.meta.uses ?? NONE)) result = restore(file, record, config.site.author);
    else {
      result = await loadArticleFile(file, config, bytes);
      const made = store(pack, content, stat, result, config.site.author, shown);
      if (result.entry && made !== undefined) entryInfo.set(result.entry, { made });
    }
    out.push(result);
  }
  return out;
}
