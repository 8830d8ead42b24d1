import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BroadsheetError, type Problem } from '../errors.js';
import { tempNameFor } from './atomic-write.js';
import { bundledVersions } from './bundled.js';
import { CLI_BUNDLE, CLI_BUNDLE_MANIFEST, type CliBundleManifest } from './cli-bundle.js';

/**
 * The build cache: what an earlier run computed, kept so that the next one
 * does not compute it again. One mechanism for everything broadsheet caches
 * (parsed and rendered articles, archive pages, MJML's output): a few pack
 * files in one folder (`cacheDir`), one per kind of record.
 *
 * A pack is a header, the records' bytes, an index (JSON: each record's key,
 * place, checksum and metadata) and a trailer that locates the index and
 * holds its checksum:
 *
 *   "broadsheet-cache" u32:format | record bytes … | index JSON | f64:index offset u32:index length 16 bytes:index sha256 u32:format
 *
 * A key is a hash of every input of the record (the file's bytes, the
 * settings, broadsheet's code and its dependencies' versions), or of those
 * the pack's scope does not already cover (PackOptions.scope): a record is
 * never stale, only unused. The index is checked when the pack is opened, a
 * record's bytes when they are read. A pack that is not one (foreign,
 * truncated, another format) is ignored with a notice; a record whose bytes
 * do not match its checksum throws CACHE_DAMAGED, which the build answers by
 * starting again without the cache. Writing is atomic (a temporary file
 * renamed over the pack), so a reader sees the old pack or the new one.
 *
 * Opening a pack reads its index only; a record's bytes are read from the
 * file when asked for (a rebuild needs the bodies of a few entries, not the
 * 40 MB of 10,000). So the file stays open while a record of it may still
 * be read (a file renamed over stays readable while open), and is closed
 * when the pack is garbage.
 *
 * Pruning: a pack keeps only what the run that writes it used or made
 * (`keep: 'used'`), or its `keep` most recently used records. A run that
 * used everything and made nothing new does not write the pack at all.
 */

const MAGIC = Buffer.from('broadsheet-cache', 'latin1');
/** Raised when the layout changes: a pack of another format is ignored. */
export const CACHE_FORMAT = 1;
const HEADER = MAGIC.length + 4;
const TRAILER = 8 + 4 + 16 + 4;
/** New records are written in batches of about this size, not one system call each. */
const BATCH = 1 << 20;

export interface CacheRecord<M> {
  meta: M;
  /** The record's bytes, checked against its checksum (CACHE_DAMAGED when they differ). */
  bytes(): Buffer;
}

/** [offset, length, sha256 (base64, first 16 bytes), generation last used, meta] */
type IndexRow<M> = [number, number, string, number, M];

interface Index<M> {
  name: string;
  generation: number;
  /** PackOptions.scope of the run that wrote it. */
  scope?: string;
  records: Record<string, IndexRow<M>>;
}

export interface PackOptions {
  /** 'used': only what this run used or stored; a number: that many, the most recently used first. */
  keep: 'used' | number;
  /** The project's root: notices name the pack relative to it. */
  root?: string;
  /** Start empty, ignoring the pack on disk (after it was found damaged); it is replaced on commit. */
  fresh?: boolean;
  /** Read the pack, never write it: `put` and `commit` do nothing (`build --check`, `validate`). */
  readOnly?: boolean;
  /**
   * What every key of the pack is made under, when it is the same for all
   * of them (the articles' settings and the code that reads them): the pack
   * on disk is used only when it was written under the same scope, and is
   * otherwise empty to this run (and replaced when it commits). Keys can
   * then leave the scope out: a rebuild of 10,000 articles no longer hashes
   * it with each file's hash. A run writes only records it used or stored
   * (`keep: 'used'`), all under its own scope, so the scope it writes is
   * every record's.
   */
  scope?: string;
  /**
   * Split over this many files (`<name>.<n>.pack`, by key), so that a change
   * rewrites one of them: a pack of 10,000 articles is about 40 MB. With
   * `keep` a number, each file keeps that many.
   */
  shards?: number;
}

/** What a build uses of a pack, one file or several (PackOptions.shards). */
export interface Pack<M> {
  readonly notices: Problem[];
  readonly size: number;
  metas(): M[];
  get(key: string): CacheRecord<M> | undefined;
  put(key: string, meta: M, bytes?: Uint8Array): void;
  commit(): void;
  discard(): void;
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest().subarray(0, 16);

/** A hash of the parts, each length-prefixed so that no two lists of parts give the same input: base64url. */
export function cacheKey(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  // Strings go in as one text (the same bytes as one update each): a rebuild of 10,000 articles makes
  // 10,000 keys, and a hash update, or a Buffer, per part cost twice the time.
  let text = '';
  for (const p of parts) {
    if (typeof p === 'string') text += `${Buffer.byteLength(p, 'utf8')}:${p}`;
    else {
      h.update(`${text}${p.length}:`, 'utf8').update(p);
      text = '';
    }
  }
  if (text !== '') h.update(text, 'utf8');
  return h.digest('base64url');
}

export class CachePack<M = unknown> implements Pack<M> {
  /** Why the pack on disk (or a record of it) was not used, or could not be written: for the build's warnings. */
  readonly notices: Problem[] = [];
  readonly file: string;
  /** The pack on disk, open for reading, and its size. */
  private readonly old: { fd: number; size: number } | undefined;
  private readonly oldIndex: Index<M> | undefined;
  /** The rows of `oldIndex`, listed once when the index is checked, and not again to count them (`size`, `commit`) or give their metadata (`metas`). */
  private readonly oldRows: readonly IndexRow<M>[] = [];
  private readonly used = new Set<string>();
  /** Records whose bytes did not match their checksum: dropped, and free to be stored again. */
  private readonly damaged = new Set<string>();
  private readonly added = new Map<string, IndexRow<M>>();
  private readonly generation: number;
  private fd: number | undefined;
  private temp: string | undefined;
  private written = 0;
  private batch: Buffer | undefined;
  private batched = 0;
  private failed = false;
  /** The file on disk was ignored (not a pack of ours, or `fresh`): it is replaced on commit, even by an empty pack. */
  private replace = false;

  private readonly keep: PackOptions['keep'];
  private readonly readOnly: boolean;
  private readonly scope: string | undefined;
  /** The pack's path as notices give it. */
  private readonly shown: string;

  private constructor(
    readonly dir: string,
    readonly name: string,
    options: PackOptions,
  ) {
    this.keep = options.keep;
    this.readOnly = options.readOnly ?? false;
    this.scope = options.scope;
    if (options.scope !== undefined && options.keep !== 'used') throw new BroadsheetError('INTERNAL', `cache pack ${name}: a scope needs keep: 'used'`);
    this.file = path.join(dir, `${name}.pack`);
    this.shown = options.root ? path.relative(options.root, this.file).split(path.sep).join('/') : this.file;
    let opened: ReturnType<typeof readPack<M>> = options.fresh ? { missing: true } : readPack<M>(this.file, name);
    // Written under another scope (other settings, another version): none of its records can be asked for.
    let otherScope = false;
    if ('index' in opened && options.scope !== undefined && opened.index.scope !== options.scope) {
      closeSync(opened.fd);
      opened = { missing: true };
      otherScope = true;
    }
    if ('notice' in opened) this.notices.push({ file: this.shown, message: opened.notice });
    this.replace = options.fresh === true || 'notice' in opened || otherScope;
    if ('index' in opened) {
      this.old = { fd: opened.fd, size: opened.size };
      this.oldIndex = opened.index;
      this.oldRows = opened.rows;
      closer.register(this, opened.fd);
    }
    this.generation = (this.oldIndex?.generation ?? 0) + 1;
  }

  /** The pack `name` in `dir` (config.paths.cache); none without a folder. */
  static open<M>(dir: string | undefined, name: string, options: PackOptions): Pack<M> | undefined {
    if (dir === undefined) return undefined;
    const shards = options.shards ?? 1;
    return shards <= 1 ? new CachePack<M>(dir, name, options) : new ShardedPack<M>(Array.from({ length: shards }, (_, i) => new CachePack<M>(dir, `${name}.${i}`, options)));
  }

  /** How many records the pack on disk held when it was opened. */
  get size(): number {
    return this.oldRows.length;
  }

  /** The metadata of every record of the pack on disk (using none of them). */
  metas(): M[] {
    return this.oldRows.map((row) => row[4]);
  }

  get(key: string): CacheRecord<M> | undefined {
    const added = this.added.get(key);
    const row = added ?? this.oldIndex?.records[key];
    if (!row) return undefined;
    if (!added) this.used.add(key);
    const [offset, length, sum, , meta] = row;
    return {
      meta,
      bytes: () => {
        if (added) throw new BroadsheetError('INTERNAL', `cache record ${key} was stored in this run and is not read back`);
        let bytes: Buffer | undefined;
        try {
          bytes = readAt(this.old!.fd, offset, length);
        } catch {
          // Shortened since it was opened: as damaged as a wrong checksum.
        }
        if (!bytes || digest(bytes).toString('base64') !== sum) {
          this.used.delete(key);
          this.damaged.add(key);
          this.notices.push({ file: this.shown, message: 'is damaged (a record does not match its checksum): ignored, and written again by this build' });
          throw new BroadsheetError('CACHE_DAMAGED', `${this.shown}: a record does not match its checksum`);
        }
        return bytes;
      },
    };
  }

  /** Stores a record for the next run, in place of any under the same key; its bytes are written now, so the pack holds no copy of them. */
  put(key: string, meta: M, bytes: Uint8Array = EMPTY): void {
    if (this.readOnly || this.failed || this.added.has(key)) return;
    try {
      const offset = this.append(bytes);
      this.added.set(key, [offset, bytes.length, digest(bytes).toString('base64'), this.generation, meta]);
    } catch (cause) {
      this.fail(cause);
    }
  }

  /**
   * Writes the pack when this run changed what it should hold, else leaves
   * the file alone. Never throws: a cache that cannot be written costs the
   * next run time, nothing else, and says so in `notices`.
   */
  commit(): void {
    if (this.readOnly || this.failed) return;
    try {
      const oldCount = this.oldRows.length;
      // Nothing added, damaged or left out: the file already holds what this run would write. Decided
      // from counts, without listing the records (the packs of a 10,000-article site hold 20,000).
      const keepsAll = this.keep === 'used' ? this.used.size === oldCount : oldCount <= this.keep;
      if (this.added.size === 0 && this.damaged.size === 0 && !this.replace && keepsAll) {
        this.discard();
        return;
      }
      const kept = this.keptOld();
      this.open();
      const records: Record<string, IndexRow<M>> = {};
      // Old records are copied as they are, adjacent ones in one write.
      let run: { from: number; to: number; at: number } | undefined;
      const flushRun = () => {
        // In slices: the records of 10,000 articles are about 40 MB.
        for (let at = run?.from ?? 0; run && at < run.to; at += COPY_SLICE) this.append(readAt(this.old!.fd, at, Math.min(COPY_SLICE, run.to - at)));
        run = undefined;
      };
      for (const [key, row] of kept.sort((a, b) => a[1][0] - b[1][0])) {
        const [offset, length] = row;
        if (run && run.to === offset) run.to += length;
        else {
          flushRun();
          run = { from: offset, to: offset + length, at: this.position() };
        }
        records[key] = [run.at + offset - run.from, length, row[2], this.used.has(key) ? this.generation : row[3], row[4]];
      }
      flushRun();
      for (const [key, row] of this.added) records[key] = row;
      const index = Buffer.from(JSON.stringify({ name: this.name, generation: this.generation, ...(this.scope === undefined ? {} : { scope: this.scope }), records } satisfies Index<M>), 'utf8');
      const indexOffset = this.append(index);
      const trailer = Buffer.alloc(TRAILER);
      trailer.writeDoubleLE(indexOffset, 0);
      trailer.writeUInt32LE(index.length, 8);
      digest(index).copy(trailer, 12);
      trailer.writeUInt32LE(CACHE_FORMAT, 28);
      this.append(trailer);
      this.flush();
      closeSync(this.fd!);
      this.fd = undefined;
      renameSync(this.temp!, this.file);
      this.temp = undefined;
    } catch (cause) {
      this.fail(cause);
    }
  }

  /** Forgets what this run stored: the pack on disk stays as it was. */
  discard(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.temp) rmSync(this.temp, { force: true });
    this.temp = undefined;
  }

  /** The old records this run keeps, with their keys. */
  private keptOld(): [string, IndexRow<M>][] {
    if (!this.oldIndex) return [];
    const all = Object.entries(this.oldIndex.records).filter(([key]) => !this.added.has(key) && !this.damaged.has(key));
    if (this.keep === 'used') return all.filter(([key]) => this.used.has(key));
    const room = Math.max(0, this.keep - this.added.size);
    const generationOf = (key: string, row: IndexRow<M>) => (this.used.has(key) ? this.generation : row[3]);
    return all.sort((a, b) => generationOf(b[0], b[1]) - generationOf(a[0], a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, room);
  }

  /** Starts the new pack (a temporary file beside the old one) with its header, once. */
  private open(): void {
    if (this.fd !== undefined) return;
    mkdirSync(this.dir, { recursive: true });
    removeAbandoned(this.dir, path.basename(this.file));
    this.temp = tempNameFor(this.file);
    this.fd = openSync(this.temp, 'w');
    this.batch = Buffer.allocUnsafe(BATCH);
    this.batched = 0;
    this.written = 0;
    const format = Buffer.alloc(4);
    format.writeUInt32LE(CACHE_FORMAT);
    this.append(Buffer.concat([MAGIC, format]));
  }

  private position(): number {
    return this.written + this.batched;
  }

  /** Appends bytes to the new pack; returns their offset in it. */
  private append(bytes: Uint8Array): number {
    this.open();
    const offset = this.position();
    if (this.batched + bytes.length > BATCH) this.flush();
    if (bytes.length >= BATCH) {
      writeAll(this.fd!, bytes);
      this.written += bytes.length;
    } else {
      this.batch!.set(bytes, this.batched);
      this.batched += bytes.length;
    }
    return offset;
  }

  private flush(): void {
    if (this.batched === 0) return;
    writeAll(this.fd!, this.batch!.subarray(0, this.batched));
    this.written += this.batched;
    this.batched = 0;
  }

  private fail(cause: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.notices.push({ file: this.shown, message: `cannot be written (${(cause as Error).message}): the next build will not be faster` });
    try {
      this.discard();
    } catch {
      // Already reported.
    }
  }
}

/** Each base64url digit's value by its character code (keys are cacheKey's base64url); -1 for any other character. */
const DIGIT = (() => {
  const digits = new Int8Array(128).fill(-1);
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].forEach((c, i) => (digits[c.charCodeAt(0)] = i));
  return digits;
})();

/** A pack split over several files, each record in the one its key picks. */
class ShardedPack<M> implements Pack<M> {
  constructor(private readonly shards: CachePack<M>[]) {}

  /** By the value of the key's first digit, so that keys spread evenly over any count of files that divides 64. */
  private shard(key: string): CachePack<M> {
    const code = key.charCodeAt(0);
    const digit = code < 128 ? DIGIT[code]! : -1;
    return this.shards[(digit >= 0 ? digit : code) % this.shards.length]!;
  }

  get notices(): Problem[] {
    return this.shards.flatMap((s) => s.notices);
  }

  get size(): number {
    return this.shards.reduce((n, s) => n + s.size, 0);
  }

  metas(): M[] {
    return this.shards.flatMap((s) => s.metas());
  }

  get(key: string): CacheRecord<M> | undefined {
    return this.shard(key).get(key);
  }

  put(key: string, meta: M, bytes?: Uint8Array): void {
    this.shard(key).put(key, meta, bytes);
  }

  commit(): void {
    for (const s of this.shards) s.commit();
  }

  discard(): void {
    for (const s of this.shards) s.discard();
  }
}

/**
 * Removes the temporary files of `pack` that a build which no longer runs
 * left behind (killed while writing): `<pack>.<pid>.<random>.tmp`
 * (util/atomic-write.ts tempNameFor) whose process is gone.
 */
function removeAbandoned(dir: string, pack: string): void {
  for (const name of readdirSync(dir)) {
    const m = /^(.+)\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
    if (!m || m[1] !== pack || Number(m[2]) === process.pid) continue;
    try {
      process.kill(Number(m[2]), 0);
      continue; // Still running: a build writing the same pack now.
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    rmSync(path.join(dir, name), { force: true });
  }
}

const EMPTY = new Uint8Array(0);
const COPY_SLICE = 4 << 20;

/** Closes a pack's file once nothing can read a record of it any more. */
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Nothing to do: the process may be ending.
  }
});

/** `length` bytes of the file at `position`; throws when the file is shorter. */
function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  for (let done = 0; done < length; ) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw new Error('unexpected end of file');
    done += n;
  }
  return buffer;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** An open pack's file and its checked index, with the index's rows listed. */
interface OpenedPack<M> {
  fd: number;
  size: number;
  index: Index<M>;
  rows: IndexRow<M>[];
}

/** The pack's file, open, and its checked index; nothing for a missing file; a notice for one that is not a pack of ours. */
function readPack<M>(file: string, name: string): OpenedPack<M> | { notice: string } | { missing: true } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    // A folder in the way (ENOTDIR) is reported when the pack is written.
    return code === 'ENOENT' || code === 'ENOTDIR' ? { missing: true } : { notice: `cannot be read (${code ?? (cause as Error).message}): ignored, and written again by this build` };
  }
  let opened: OpenedPack<M> | { notice: string } | undefined;
  try {
    opened = checkPack<M>(fd, name);
  } catch (cause) {
    opened = { notice: `cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): ignored, and written again by this build` };
  } finally {
    if (!opened || !('fd' in opened)) closeSync(fd);
  }
  return opened;
}

/** Reads and checks the header, the trailer and the index of the open pack. */
function checkPack<M>(fd: number, name: string): OpenedPack<M> | { notice: string } {
  const size = fstatSync(fd).size;
  const foreign = { notice: 'is not a broadsheet build cache, or is damaged: ignored, and written again by this build' };
  if (size < HEADER + TRAILER) return foreign;
  const header = readAt(fd, 0, HEADER);
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) return foreign;
  const format = header.readUInt32LE(MAGIC.length);
  if (format !== CACHE_FORMAT) return { notice: `was written by another version of broadsheet (cache format ${format}): ignored, and written again by this build` };
  const trailer = readAt(fd, size - TRAILER, TRAILER);
  if (trailer.readUInt32LE(TRAILER - 4) !== CACHE_FORMAT) return foreign;
  const offset = trailer.readDoubleLE(0);
  const length = trailer.readUInt32LE(8);
  if (!Number.isSafeInteger(offset) || offset < HEADER || offset + length !== size - TRAILER) return foreign;
  const indexBytes = readAt(fd, offset, length);
  if (!digest(indexBytes).equals(trailer.subarray(12, 28))) return foreign;
  let index: Index<M>;
  try {
    index = JSON.parse(indexBytes.toString('utf8')) as Index<M>;
  } catch {
    return foreign;
  }
  if (index?.name !== name || !Number.isSafeInteger(index.generation) || typeof index.records !== 'object' || index.records === null) return foreign;
  const rows = Object.values(index.records);
  for (const row of rows) {
    if (!Array.isArray(row) || !Number.isSafeInteger(row[0]) || !Number.isSafeInteger(row[1]) || row[0] < HEADER || row[0] + row[1] > offset) return foreign;
  }
  return { fd, size, index, rows };
}

// ---- what a key must cover besides the record's own inputs ---------------------------------

/** The folder of broadsheet's own code: dist/ when built, src/ when the sources run (tests). */
const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let ownCode: string | undefined;

/**
 * A hash of every .js and .ts file under `root` (not .d.ts), each with its
 * path, in name order; the folders named in `skip`, directly under `root`,
 * left out.
 */
export function codeFolderHash(root: string, skip: readonly string[] = []): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const item of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, item.name);
      if (item.isDirectory()) {
        if (dir !== root || !skip.includes(item.name)) walk(full);
      } else if (/\.(js|ts)$/.test(item.name) && !item.name.endsWith('.d.ts')) h.update(`${path.relative(root, full)}\0`).update(readFileSync(full));
    }
  };
  walk(root);
  return h.digest('base64url');
}

/**
 * A hash of broadsheet's own code, every file of it: a change to any
 * renderer is a new key. Running from the bundle, the hash its manifest
 * holds (reading the files again cost 11 ms of every command); otherwise
 * the compiled modules (or the sources), the bundle's folder left out.
 */
function ownCodeHash(): string {
  if (ownCode !== undefined) return ownCode;
  let manifest: CliBundleManifest | undefined;
  try {
    // The bundle's chunks run from its folder: a manifest beside this module means this module is
    // part of the bundle, and the hash it holds is the running code's.
    manifest = JSON.parse(readFileSync(new URL(CLI_BUNDLE_MANIFEST, import.meta.url), 'utf8')) as CliBundleManifest;
  } catch {
    // Not running from the bundle.
  }
  return (ownCode = typeof manifest?.codeHash === 'string' ? manifest.codeHash : codeFolderHash(CODE_ROOT, [CLI_BUNDLE]));
}

/**
 * The package.json of an installed package as Node finds it from the folder
 * `from`: in node_modules/<name>/ there or in a folder above. Looked up
 * directly, not through require.resolve (which also finds and checks each
 * package's entry point: 45 ms of a 285 ms warm build of the example site).
 */
function packageJsonOf(name: string, from: string): { dir: string; version: string; dependencies: string[] } | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    try {
      const pkg = JSON.parse(readFileSync(path.join(candidate, 'package.json'), 'utf8')) as { version?: string; dependencies?: Record<string, string> };
      // Its own dependencies are found from where it really is (pnpm links packages into a store).
      return { dir: realpathSync(candidate), version: pkg.version ?? '', dependencies: Object.keys(pkg.dependencies ?? {}) };
    } catch {
      // Not installed at this level: go up.
    }
    if (dir === path.dirname(dir)) return undefined;
  }
}

/**
 * `name@version` of each package and of everything it depends on, sorted;
 * for a package that runs from its bundle (util/bundled.ts), the packages
 * the bundle was made of instead, whatever node_modules holds now.
 */
function versionsOf(packages: readonly string[]): string[] {
  const found = new Map<string, string>();
  const bundles: string[] = [];
  const visit = (name: string, from: string) => {
    if (found.has(name)) return;
    const pkg = packageJsonOf(name, from);
    found.set(name, pkg?.version ?? 'missing');
    if (pkg) for (const dep of pkg.dependencies) visit(dep, pkg.dir);
  };
  for (const p of packages) {
    const bundled = bundledVersions(p);
    // broadsheet's own folder (its package root), where its dependencies are found.
    if (bundled === undefined) visit(p, realpathSync(path.dirname(CODE_ROOT)));
    else bundles.push(`bundle ${p}: ${bundled.join(' ')}`);
  }
  return [...[...found].map(([n, v]) => `${n}@${v}`), ...bundles].sort();
}

const fingerprints = new Map<string, string>();

/**
 * What every key of a kind of record includes: the cache format,
 * broadsheet's code, Node's version and its time-zone data, and the versions
 * of `packages` (the libraries the record's work uses) and of their
 * dependencies.
 */
export function codeFingerprint(packages: readonly string[]): string {
  const id = packages.join(',');
  let fp = fingerprints.get(id);
  if (fp === undefined) {
    const v = process.versions;
    fp = cacheKey(String(CACHE_FORMAT), ownCodeHash(), `node ${v.node} tz ${v.tz ?? ''} icu ${v.icu ?? ''} unicode ${v.unicode ?? ''}`, ...versionsOf(packages));
    fingerprints.set(id, fp);
  }
  return fp;
}
