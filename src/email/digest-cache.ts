import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import type { Problem } from '../errors.js';
import { cacheKey, CachePack, codeFingerprint, type Pack, type PackOptions } from '../util/cache.js';
import type { DigestFiles } from './digest-files.js';
import { templatesDir } from './templates-dir.js';

/**
 * digest.html, digest.txt and digest.eml in the build cache (util/cache.ts,
 * the `digest` pack, its 8 most recently used), keyed by everything they are
 * made from: what the issue carries (its entries, bodies included, its
 * number and date, or the stored issue), the config, every file of the
 * templates folder, broadsheet's code and the versions of MJML, Handlebars
 * and nodemailer. A build whose digest did not change renders none of it
 * and loads none of the three.
 */

interface StoredDigest {
  /** Each file's path and length, in the order of the record's bytes. */
  files: [string, number][];
  warnings: Problem[];
}

export type DigestPack = Pack<StoredDigest>;

export const DIGEST_CACHE_KEEP = 8;

export function openDigestPack(cacheDir: string | undefined, options: Omit<PackOptions, 'keep'> = {}): DigestPack | undefined {
  return CachePack.open<StoredDigest>(cacheDir, 'digest', { ...options, keep: DIGEST_CACHE_KEEP });
}

/** Every file under the templates folder, path and bytes; nothing when it cannot be read (the render then says why). */
function templatesHash(dir: string): string | undefined {
  const parts: (string | Uint8Array)[] = [];
  const walk = (d: string) => {
    for (const item of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, item.name);
      if (item.isDirectory()) walk(full);
      else parts.push(path.relative(dir, full), readFileSync(full));
    }
  };
  try {
    walk(dir);
  } catch {
    return undefined;
  }
  return cacheKey(...parts);
}

/** The key of the digest files made from `input` (the issue, and its date), or nothing when the templates cannot be read. */
export function digestKey(config: Config, input: unknown): string | undefined {
  const templates = templatesHash(templatesDir(config));
  if (templates === undefined) return undefined;
  const settings = JSON.stringify({ ...config, paths: { ...config.paths, cache: null } });
  return cacheKey(codeFingerprint(['mjml', 'handlebars', 'nodemailer']), settings, templates, JSON.stringify(input));
}

export function cachedDigest(pack: DigestPack, key: string): DigestFiles | undefined {
  const record = pack.get(key);
  if (!record) return undefined;
  const bytes = record.bytes();
  let at = 0;
  const files = record.meta.files.map(([p, length]) => {
    const content = bytes.subarray(at, at + length);
    at += length;
    return { path: p, content };
  });
  return { files, warnings: record.meta.warnings };
}

export function storeDigest(pack: DigestPack, key: string, digest: DigestFiles): void {
  const contents = digest.files.map((f) => (typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content));
  pack.put(key, { files: digest.files.map((f, i) => [f.path, contents[i]!.length]), warnings: digest.warnings }, Buffer.concat(contents));
}
