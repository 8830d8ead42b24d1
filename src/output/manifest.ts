import { readFile, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * The list of files the last build wrote, kept in the output folder. It lets a
 * build remove what it no longer produces (the feeds of a tag nobody uses any
 * more, an archive page that moved) without ever touching files it did not
 * write: the outbox, a CNAME, whatever else shares the folder.
 */
export const MANIFEST = '.broadsheet-files';

export async function readManifest(dir: string): Promise<string[]> {
  try {
    return (await readFile(path.join(dir, MANIFEST), 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  } catch {
    return [];
  }
}

/** Files the previous build wrote that the current one does not produce. */
export function orphans(previous: readonly string[], current: readonly string[]): string[] {
  const now = new Set(current);
  return previous.filter((p) => !now.has(p) && !p.split('/').includes('..') && !path.isAbsolute(p));
}

export async function removeOrphans(dir: string, paths: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const rel of paths) {
    const target = path.join(dir, rel);
    try {
      await rm(target);
      removed.push(rel);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // Empty folders left behind (tags/<old>/) go too; a folder with anything else in it stays.
    for (let d = path.dirname(rel); d !== '.'; d = path.dirname(d)) {
      try {
        await rmdir(path.join(dir, d));
      } catch {
        break;
      }
    }
  }
  return removed;
}

export async function writeManifest(dir: string, paths: readonly string[]): Promise<void> {
  const body = ['# Files written by broadsheet build; files not listed here are never removed by it.', ...[...paths].sort()].join('\n') + '\n';
  const current = await readFile(path.join(dir, MANIFEST), 'utf8').catch(() => undefined);
  if (current !== body) await writeFileAtomic(path.join(dir, MANIFEST), body);
}

/** Adds files written outside a build (the issue archive, after a send creates an issue) to the manifest. */
export async function addToManifest(dir: string, paths: readonly string[]): Promise<void> {
  await writeManifest(dir, [...new Set([...(await readManifest(dir)), ...paths])]);
}
