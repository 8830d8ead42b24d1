import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';
import { createFileAtomic, tempNameFor } from '../util/atomic-write.js';
import { runPool } from '../util/pool.js';

/** One file a stage produces, addressed by its path under the output folder. */
export interface OutputFile {
  /** Relative POSIX path, e.g. `rss.xml` or `tags/cloud/atom.xml`. */
  path: string;
  /** The bytes; read once by what writes or compares them, since a stage may make them when read (feeds/index.ts archive pages). */
  content: string | Uint8Array;
  /** What the bytes are known by (a build-cache key): the same identity is the same bytes (output/known.ts). */
  identity?: string;
  /** The output folder already holds these bytes, as its stat shows (output/known.ts): `content` is left empty and nothing is read or written. */
  onDisk?: true;
}

export interface WriteReport {
  written: string[];
  unchanged: string[];
}

function toBytes(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

function safeTarget(dir: string, rel: string): string {
  const target = path.resolve(dir, rel);
  const inside = path.relative(dir, target);
  if (rel.includes('\0') || inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new BroadsheetError('INTERNAL', `refusing to write outside the output folder: ${rel}`);
  }
  return target;
}

async function sameAsOnDisk(target: string, bytes: Uint8Array): Promise<boolean> {
  try {
    // A missing file or one of another size differs without reading it.
    if ((await stat(target)).size !== bytes.length) return false;
    const current = await readFile(target);
    return Buffer.compare(current, bytes) === 0;
  } catch {
    return false;
  }
}

/** Paths whose content on disk differs from (or is missing for) the given files. */
export async function staleFiles(dir: string, files: readonly OutputFile[]): Promise<string[]> {
  const stale: string[] = [];
  for (const f of files) {
    if (f.onDisk) continue;
    if (!(await sameAsOnDisk(safeTarget(dir, f.path), toBytes(f.content)))) stale.push(f.path);
  }
  return stale;
}

const WRITE_CONCURRENCY = 8;

/**
 * Writes files so that a reader never sees a half-written one: every changed
 * file is first written in full beside its target, and only when all of them
 * are written are they renamed into place. Files whose bytes are unchanged are
 * not touched, so their mtimes (and HTTP caches) stay valid.
 */
export async function writeOutputs(dir: string, files: readonly OutputFile[]): Promise<WriteReport> {
  const report: WriteReport = { written: [], unchanged: [] };
  const staged: { temp: string; target: string; rel: string }[] = [];
  const targets = files.map((f) => safeTarget(dir, f.path));
  const folders = new Map<string, Promise<unknown>>();
  const ensureFolder = (d: string) => {
    let made = folders.get(d);
    if (!made) folders.set(d, (made = mkdir(d, { recursive: true })));
    return made;
  };
  try {
    // Several files at a time: the file system works on other threads while this one waits.
    const changed = await runPool(files, WRITE_CONCURRENCY, async (f, i) => {
      if (f.onDisk) return undefined;
      const target = targets[i]!;
      const bytes = toBytes(f.content);
      if (await sameAsOnDisk(target, bytes)) return undefined;
      await ensureFolder(path.dirname(target));
      const temp = tempNameFor(target);
      // Recorded before the write, so a failed write is cleaned up as well.
      const entry = { temp, target, rel: f.path };
      staged.push(entry);
      await writeFile(temp, bytes);
      return entry;
    });
    changed.forEach((c, i) => {
      if (c === undefined) report.unchanged.push(files[i]!.path);
    });
    const toRename = changed.filter((c) => c !== undefined);
    await runPool(toRename, WRITE_CONCURRENCY, (c) => rename(c.temp, c.target));
    report.written.push(...toRename.map((c) => c.rel));
  } catch (cause) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    if (cause instanceof BroadsheetError) throw cause;
    throw new BroadsheetError('OUTPUT_FAILED', `cannot write to ${dir}: ${(cause as Error).message}`, { cause });
  }
  return report;
}

/**
 * Creates files that must not exist yet (a new site's config, copies of the
 * templates): when any of them exists nothing is written, and their paths are
 * returned. Each file is created whole, and never over another.
 */
export async function createFiles(dir: string, files: readonly OutputFile[]): Promise<{ existing: string[] }> {
  const targets = files.map((f) => safeTarget(dir, f.path));
  const present = await Promise.all(targets.map((t) => access(t).then(() => true, () => false)));
  const existing = files.filter((_, i) => present[i]).map((f) => f.path);
  if (existing.length > 0) return { existing };
  for (const [i, f] of files.entries()) {
    // Created between the check and now: report it rather than overwrite it.
    if (!(await createFileAtomic(targets[i]!, toBytes(f.content)))) existing.push(f.path);
  }
  return { existing };
}
