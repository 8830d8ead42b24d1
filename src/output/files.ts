import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';

/** One file a stage produces, addressed by its path under the output folder. */
export interface OutputFile {
  /** Relative POSIX path, e.g. `rss.xml` or `tags/cloud/atom.xml`. */
  path: string;
  content: string | Uint8Array;
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
    if (!(await sameAsOnDisk(safeTarget(dir, f.path), toBytes(f.content)))) stale.push(f.path);
  }
  return stale;
}

/**
 * Writes files so that a reader never sees a half-written one: every changed
 * file is first written in full beside its target, and only when all of them
 * are written are they renamed into place. Files whose bytes are unchanged are
 * not touched, so their mtimes (and HTTP caches) stay valid.
 */
export async function writeOutputs(dir: string, files: readonly OutputFile[]): Promise<WriteReport> {
  const report: WriteReport = { written: [], unchanged: [] };
  const staged: { temp: string; target: string; rel: string }[] = [];
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    for (const f of files) {
      const target = safeTarget(dir, f.path);
      const bytes = toBytes(f.content);
      if (await sameAsOnDisk(target, bytes)) {
        report.unchanged.push(f.path);
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true });
      const temp = target + suffix;
      await writeFile(temp, bytes);
      staged.push({ temp, target, rel: f.path });
    }
    for (const s of staged) {
      await rename(s.temp, s.target);
      report.written.push(s.rel);
    }
  } catch (cause) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    if (cause instanceof BroadsheetError) throw cause;
    throw new BroadsheetError('OUTPUT_FAILED', `cannot write to ${dir}: ${(cause as Error).message}`, { cause });
  }
  return report;
}

/** Atomic write of a single file (temp file in the same folder, then rename). */
export async function writeFileAtomic(target: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, target);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new BroadsheetError('OUTPUT_FAILED', `cannot write ${target}: ${(cause as Error).message}`, { cause });
  }
}
