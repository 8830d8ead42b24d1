import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { loadSite } from '../content/load.js';
import type { Site } from '../content/model.js';
import { renderDigestFiles } from '../email/index.js';
import { startMjmlThread } from '../email/mjml-thread.js';
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
  // Importing MJML takes about 400 ms: on a second thread it overlaps loading
  // the content and rendering the feeds instead of following them.
  const mjml = startMjmlThread();
  let site: Site;
  let digest: Awaited<ReturnType<typeof renderDigestFiles>>;
  try {
    site = await loadSite(config, clock);
    digest = await renderDigestFiles(site, mjml?.render);
  } finally {
    // Ended before the feeds are rendered: its memory is not held during the build's peak.
    await mjml?.close();
  }
  const feeds = renderFeeds(site);
  const images = await imageFiles(site);
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
