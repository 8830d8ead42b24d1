import { createHash } from 'node:crypto';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { oneLine } from '../util/text.js';

/**
 * Keeps a mail that could not be understood, or that names nobody on the
 * list, in the quarantine folder: nothing that reaches the list's addresses
 * is dropped in silence. The file is named by the mail's SHA-256, so the
 * same mail twice is kept once; its first line says why and when.
 */
export async function quarantine(dir: string, raw: Buffer, reason: string, at: Date): Promise<string> {
  const file = path.join(dir, `${createHash('sha256').update(raw).digest('hex').slice(0, 32)}.eml`);
  const known = await access(file).then(
    () => true,
    () => false,
  );
  if (!known) await writeFileAtomic(file, Buffer.concat([Buffer.from(`X-Broadsheet-Quarantined: ${oneLine(reason)}; ${at.toISOString()}\r\n`), raw]));
  return file;
}

/** How many mails the quarantine holds. */
export async function quarantineCount(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.eml')).length;
}
