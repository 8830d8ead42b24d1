import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, resolveConfig, type Config } from '../../src/config/load.js';
import type { ConfigData } from '../../src/config/schema.js';
import { loadSite } from '../../src/content/load.js';
import type { Site } from '../../src/content/model.js';
import type { DigestContent } from '../../src/email/digest.js';
import { planNextIssue } from '../../src/pipeline/next-issue.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLOCK = fixedClock('2026-01-01T00:00:00Z');

const temps: string[] = [];

/** A temp folder, removed by cleanupTemps(). */
export function tempDir(prefix = 'broadsheet-email-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function cleanupTemps(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The example site's config, optionally changed. Paths stay absolute, so the
 * config can live in a temp folder while articles and templates default to
 * the repository's.
 */
export async function exampleConfig(
  patch: (data: ConfigData) => void = () => {},
  where: { root?: string; articles?: string; templates?: string } = {},
): Promise<Config> {
  const base = await loadConfig(path.join(REPO, 'broadsheet.config.yaml'));
  const { file: _file, paths, ...rest } = base;
  const data = structuredClone(rest) as ConfigData;
  data.content.dir = where.articles ?? paths.content;
  data.digest.templates = where.templates ?? paths.templates;
  patch(data);
  return resolveConfig(data, path.join(where.root ?? REPO, 'broadsheet.config.yaml'));
}

export function exampleSite(config: Config): Promise<Site> {
  return loadSite(config, CLOCK);
}

/** A copy of email-templates/ in a temp folder, with some files replaced. */
export function templatesWith(files: Record<string, string | ((current: string) => string)>): string {
  const dir = path.join(tempDir(), 'email-templates');
  cpSync(path.join(REPO, 'email-templates'), dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(dir, rel);
    const next = typeof content === 'string' ? content : content(readFileSync(target, 'utf8'));
    writeFileSync(target, next);
  }
  return dir;
}

/** A content folder holding the given articles (file name → Markdown with front matter). */
export function articlesWith(files: Record<string, string>): string {
  const dir = path.join(tempDir(), 'articles');
  cpSync(path.join(REPO, 'articles'), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** What the first issue of a site carries, by the one rule `send` and `build` use (pipeline/next-issue.ts). */
export function firstIssueContent(site: Site): DigestContent {
  const plan = planNextIssue(site, { covered: new Set() });
  if (plan.kind !== 'new') throw new Error(`the site has no first issue (${plan.kind})`);
  return plan.content;
}

/** digest.html, digest.txt and digest.eml of a site's first issue, as `build` writes them. */
export async function firstIssueFiles(config: Config) {
  const { renderDigest } = await import('../../src/email/digest.js');
  const { renderDigestFiles } = await import('../../src/email/digest-files.js');
  const content = firstIssueContent(await exampleSite(config));
  return renderDigestFiles(config, await renderDigest(config, content), { number: content.number, date: content.lead.date });
}
