import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/load.js';
import { BroadsheetError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { stripXmlIllegalChars } from '../util/xml-chars.js';

/**
 * The editor's note: an optional Markdown file (`digest.note`, by default
 * `editor-note.md` beside the config) shown at the top of the next issue and
 * taken away when that issue is created, so it appears in one issue only.
 * It is kept in the data folder (`notes/issue-<n>.md`), never lost.
 */
export interface EditorNote {
  file: string;
  /** Sanitised HTML, links absolute. */
  html: string;
  /** The Markdown itself: written to be read as plain text. */
  text: string;
}

export function editorNoteFile(config: Config): string {
  return path.resolve(config.paths.root, config.digest.note);
}

/** The note waiting for the next issue, if there is one with any text in it. */
export async function readEditorNote(config: Config): Promise<EditorNote | undefined> {
  const file = editorNoteFile(config);
  let markdown: string;
  try {
    markdown = stripXmlIllegalChars(await readFile(file, 'utf8')).trim();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BroadsheetError('CONTENT_INVALID', `cannot read the editor's note ${file}: ${(cause as Error).message}`, { cause });
  }
  if (markdown === '') return undefined;
  // The Markdown stack is loaded only when there is a note: a rebuild whose articles all come from the build cache needs none.
  const { renderMarkdownBody } = await import('../content/markdown.js');
  return { file, html: renderMarkdownBody(markdown, config.site.url), text: markdown };
}

/** Moves the note that issue `number` carried into the data folder, so the next issue goes without it. */
export async function archiveEditorNote(config: Config, note: EditorNote, number: number): Promise<string> {
  const kept = path.join(config.paths.data, 'notes', `issue-${number}.md`);
  await writeFileAtomic(kept, `${note.text}\n`);
  await rm(note.file, { force: true });
  return kept;
}
