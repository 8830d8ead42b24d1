import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { loadSite } from '../content/load.js';
import type { Site } from '../content/model.js';
import { renderDigestFiles } from '../email/index.js';
import type { Problem } from '../errors.js';
import { imageFiles, renderFeeds } from '../feeds/index.js';
import { staleFiles, writeOutputs, type OutputFile } from '../output/files.js';

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
  const site = await loadSite(config, clock);
  const feeds = renderFeeds(site);
  const images = await imageFiles(site);
  const digest = await renderDigestFiles(site);
  return { site, files: [...feeds, ...images, ...digest.files], warnings: [...site.warnings, ...digest.warnings] };
}

export interface BuildReport extends Rendered {
  written: string[];
  unchanged: string[];
}

export async function build(config: Config, clock: Clock): Promise<BuildReport> {
  const rendered = await renderAll(config, clock);
  const report = await writeOutputs(config.paths.output, rendered.files);
  return { ...rendered, ...report };
}

/** The files under the output folder that differ from what a build would write now. */
export async function checkBuild(config: Config, clock: Clock): Promise<{ rendered: Rendered; stale: string[] }> {
  const rendered = await renderAll(config, clock);
  return { rendered, stale: await staleFiles(config.paths.output, rendered.files) };
}
