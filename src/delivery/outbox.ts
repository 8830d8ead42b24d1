import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeOutputs, type OutputFile } from '../output/files.js';
import type { Addressee, Prepared } from './messages.js';
import { emlWriter } from '../email/eml.js';
import { dkimSign, type DkimKey } from './dkim.js';

export const OUTBOX_DIR = 'outbox';

/**
 * `issue-3-a_b@example.org-5d41402a.eml`: the address made safe for any file
 * system, for people to find, and a hash of the exact address, so that
 * addresses the safe form cannot tell apart (`a!b@`, `a#b@`, `a_b@`) never
 * share a file.
 */
export function outboxName(issue: number, email: string): string {
  const hash = createHash('sha256').update(email).digest('hex').slice(0, 8);
  return `issue-${issue}-${email.replace(/[^A-Za-z0-9@._+-]/g, '_')}-${hash}.eml`;
}

/**
 * Writes one .eml file per recipient under <output>/outbox/: the exact bytes
 * that would go to the SMTP server (DKIM-signed when configured), for a dry
 * run or when no SMTP server is configured. Returns the folder.
 */
export async function writeOutbox(outputDir: string, issue: number, recipients: readonly Addressee[], make: (to: Addressee) => Prepared, dkim: DkimKey | undefined): Promise<string> {
  const dir = path.join(outputDir, OUTBOX_DIR);
  const toEml = await emlWriter();
  const files: OutputFile[] = [];
  for (const r of recipients) files.push({ path: outboxName(issue, r.email), content: dkim ? dkimSign(await toEml(make(r).mail), dkim) : await toEml(make(r).mail) });
  await writeOutputs(dir, files);
  return dir;
}
