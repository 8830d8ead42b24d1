import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/load.js';

// Apart from email/templates.ts, which loads Handlebars: the build cache keys the digest by this folder, and `init` copies it, without loading it.

/** The folder a site keeps its own templates in, beside the config; `broadsheet init --templates` copies the defaults there. */
export const SITE_TEMPLATES_DIR = 'email-templates';

/** The templates that ship with broadsheet: the package's own `email-templates/` (two levels above this module, in src/ or dist/). */
export const DEFAULT_TEMPLATES = fileURLToPath(new URL('../../email-templates/', import.meta.url));

/**
 * The folder the digest's templates are read from: `digest.templates` when
 * set; else the site's `email-templates/` when it exists; else the defaults
 * shipped in the package, so a site needs no copy of its own.
 */
export function templatesDir(config: Config): string {
  if (config.paths.templates !== undefined) return config.paths.templates;
  const own = path.join(config.paths.root, SITE_TEMPLATES_DIR);
  return existsSync(own) ? own : DEFAULT_TEMPLATES;
}

/** The default templates as files to copy (`broadsheet init --templates`): their paths under the templates folder and bytes. */
export async function defaultTemplateFiles(): Promise<{ path: string; content: Uint8Array }[]> {
  const names = (await readdir(DEFAULT_TEMPLATES, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.'));
  const rel = names.map((e) => path.relative(DEFAULT_TEMPLATES, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
  return Promise.all(rel.map(async (p) => ({ path: p, content: await readFile(path.join(DEFAULT_TEMPLATES, p)) })));
}
