import { readFile } from 'node:fs/promises';
import type { Site } from '../content/model.js';
import { BroadsheetError } from '../errors.js';
import type { OutputFile } from '../output/files.js';

/**
 * Local article images, copied into the output folder at the path their URL
 * names, so the enclosure links in the feeds resolve. Each file once, even
 * when several entries share it.
 */
export async function imageFiles(site: Site): Promise<OutputFile[]> {
  const wanted = new Map<string, { file: string; entry: string }>();
  for (const e of site.entries) {
    const img = e.image;
    if (img?.file && img.outputPath && !wanted.has(img.outputPath)) wanted.set(img.outputPath, { file: img.file, entry: e.file });
  }
  const paths = [...wanted.keys()].sort();
  return Promise.all(
    paths.map(async (path) => {
      const { file, entry } = wanted.get(path)!;
      try {
        return { path, content: await readFile(file) };
      } catch (cause) {
        throw new BroadsheetError('CONTENT_INVALID', `${entry}: image ${file} cannot be read`, {
          cause,
          problems: [{ file: entry, field: 'image.src', message: `image file ${file} cannot be read` }],
        });
      }
    }),
  );
}
