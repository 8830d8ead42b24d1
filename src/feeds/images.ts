import { readFile } from 'node:fs/promises';
import type { Site } from '../content/model.js';
import { BroadsheetError } from '../errors.js';
import type { OutputFile } from '../output/files.js';

/**
 * Every local file the published entries use (front-matter images and
 * enclosures, the images, videos and audio of their bodies), copied into the
 * output folder at the path their URL names (content/local-files.ts), so the
 * links in the feeds resolve. Each file once, even when several entries
 * share it.
 */
export async function imageFiles(site: Site): Promise<OutputFile[]> {
  const wanted = new Map<string, { file: string; entry: string }>();
  for (const e of site.entries) {
    for (const f of e.files) if (!wanted.has(f.outputPath)) wanted.set(f.outputPath, { file: f.file, entry: e.file });
  }
  const paths = [...wanted.keys()].sort();
  return Promise.all(
    paths.map(async (path) => {
      const { file, entry } = wanted.get(path)!;
      try {
        return { path, content: await readFile(file) };
      } catch (cause) {
        throw new BroadsheetError('CONTENT_INVALID', `${entry}: ${file} cannot be read`, {
          cause,
          problems: [{ file: entry, message: `${file} cannot be read` }],
        });
      }
    }),
  );
}
