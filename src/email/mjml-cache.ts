import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * MJML's output depends only on its input and its version, and importing
 * MJML costs more than everything else `npm start` does. Results are kept
 * where build tools keep caches, `node_modules/.cache/`, keyed by a hash of
 * both; a project without node_modules simply gets no cache.
 */
export interface MjmlCache {
  get(mjml: string): string | undefined;
  set(mjml: string, html: string): Promise<void>;
}

const KEEP = 50;

function mjmlVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('mjml/package.json') as { version: string }).version;
}

export function mjmlCacheFor(projectRoot: string, options: unknown): MjmlCache | undefined {
  const modules = path.join(projectRoot, 'node_modules');
  if (!existsSync(modules)) return undefined;
  const dir = path.join(modules, '.cache', 'broadsheet', 'mjml');
  const salt = `${mjmlVersion()}\0${JSON.stringify(options)}\0`;
  const file = (mjml: string) => path.join(dir, `${createHash('sha256').update(salt).update(mjml).digest('hex')}.html`);
  return {
    get(mjml) {
      try {
        return readFileSync(file(mjml), 'utf8');
      } catch {
        return undefined;
      }
    },
    async set(mjml, html) {
      try {
        await writeFileAtomic(file(mjml), html);
        prune(dir);
      } catch {
        // A cache that cannot be written only costs time.
      }
    },
  };
}

function prune(dir: string): void {
  const entries = readdirSync(dir).filter((f) => f.endsWith('.html'));
  if (entries.length <= KEEP) return;
  const byAge = entries.map((f) => ({ f, t: statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { f } of byAge.slice(0, entries.length - KEEP)) rmSync(path.join(dir, f), { force: true });
}
