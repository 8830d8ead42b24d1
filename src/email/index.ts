import type { Site } from '../content/model.js';
import type { Problem } from '../errors.js';
import type { OutputFile } from '../output/files.js';

/** digest.html, digest.txt and digest.eml for the newest article and its teasers. */
export async function renderDigestFiles(_site: Site): Promise<{ files: OutputFile[]; warnings: Problem[] }> {
  return { files: [], warnings: [] };
}
