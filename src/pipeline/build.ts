import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { loadSite } from '../content/load.js';
import type { Site } from '../content/model.js';
import { digestContentFor } from '../email/content.js';
import { startDigestThread } from '../email/digest-thread.js';
import type { Problem } from '../errors.js';
import { imageFiles, renderFeeds } from '../feeds/index.js';
import { staleFiles, writeOutputs, type OutputFile } from '../output/files.js';
import { orphans, readManifest, removeOrphans, writeManifest } from '../output/manifest.js';

export interface Rendered {
  site: Site;
  files: OutputFile[];
  warnings: Problem[];
}

/**
 * Everything a build produces, in memory. Nothing is written until every
 * stage has succeeded, so bad content leaves the output folder as it was.
 */
export async function renderAll(config: Config, clock: Clock): Promise<Rendered> {
  // The digest's renderer (MJML takes about 400 ms to import) starts on a
  // second thread now, loads while the content does, and renders while the
  // feeds do.
  const thread = startDigestThread();
  try {
    const site = await loadSite(config, clock);
    const content = digestContentFor(site);
    const digesting = thread ? thread.render(config, content) : import('../email/index.js').then((m) => m.renderDigestFilesFor(config, content));
    digesting.catch(() => {}); // awaited below, after the feeds
    const feeds = renderFeeds(site);
    const images = await imageFiles(site);
    const digest = await digesting;
    return { site, files: [...feeds, ...images, ...digest.files], warnings: [...site.warnings, ...digest.warnings] };
  } finally {
    await thread?.close();
  }
}

export interface BuildReport extends Rendered {
  written: string[];
  unchanged: string[];
  /** Files an earlier build wrote that this one no longer produces. */
  removed: string[];
}

export async function build(config: Config, clock: Clock): Promise<BuildReport> {
  const rendered = await renderAll(config, clock);
  const dir = config.paths.output;
  const previous = await readManifest(dir);
  const report = await writeOutputs(dir, rendered.files);
  const paths = rendered.files.map((f) => f.path);
  const removed = await removeOrphans(dir, orphans(previous, paths));
  await writeManifest(dir, paths);
  return { ...rendered, ...report, removed };
}

export interface StaleFile {
  path: string;
  reason: 'out of date' | 'no longer produced';
}

/** The files under the output folder that differ from what a build would write now, or that it would remove. */
export async function checkBuild(config: Config, clock: Clock): Promise<{ rendered: Rendered; stale: StaleFile[] }> {
  const rendered = await renderAll(config, clock);
  const dir = config.paths.output;
  const changed = await staleFiles(dir, rendered.files);
  const gone = orphans(await readManifest(dir), rendered.files.map((f) => f.path));
  const existing = gone.filter((p) => existsSync(path.join(dir, p)));
  return {
    rendered,
    stale: [...changed.map((p) => ({ path: p, reason: 'out of date' as const })), ...existing.map((p) => ({ path: p, reason: 'no longer produced' as const }))],
  };
}
