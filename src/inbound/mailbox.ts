import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';
import { runPool } from '../util/pool.js';
import type { Handled, MailHandler } from './process.js';

/** Mails read at once: parsing is CPU work, reading files and the store are not; a few overlap well on two cores. */
const CONCURRENCY = 4;

export interface MailboxTally {
  read: number;
  applied: number;
  recorded: number;
  duplicate: number;
  ignored: number;
  quarantined: number;
  /** Reports by kind, whatever their outcome. */
  hardBounces: number;
  softBounces: number;
  complaints: number;
  unsubscribes: number;
}

export function emptyTally(): MailboxTally {
  return { read: 0, applied: 0, recorded: 0, duplicate: 0, ignored: 0, quarantined: 0, hardBounces: 0, softBounces: 0, complaints: 0, unsubscribes: 0 };
}

export function count(tally: MailboxTally, h: Handled): void {
  tally.read++;
  tally[h.outcome]++;
  if (h.kind === 'hard-bounce') tally.hardBounces++;
  else if (h.kind === 'soft-bounce') tally.softBounces++;
  else if (h.kind === 'complaint') tally.complaints++;
  else if (h.kind === 'unsubscribe') tally.unsubscribes++;
}

async function listFolder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (cause) {
    throw new BroadsheetError('USAGE', `${dir} is not a Maildir (it needs new/ and cur/ folders): ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
}

/**
 * A Maildir, as mail servers deliver to it: every message in `new/` is read,
 * then moved to `cur/` and flagged seen (`:2,S`), as a mail client would once
 * it has shown it; with `all`, the messages already in `cur/` are read again
 * too (a first run over an existing mailbox). Rereading is harmless: the same
 * report twice changes nothing.
 */
export async function readMaildir(dir: string, handler: MailHandler, options: { all?: boolean; signal?: AbortSignal } = {}): Promise<MailboxTally> {
  const fresh = (await listFolder(path.join(dir, 'new'))).map((n) => ({ folder: 'new', name: n }));
  const seen = options.all ? (await listFolder(path.join(dir, 'cur'))).map((n) => ({ folder: 'cur', name: n })) : [];
  await mkdir(path.join(dir, 'cur'), { recursive: true });
  const tally = emptyTally();
  await runPool(
    [...fresh, ...seen],
    CONCURRENCY,
    async ({ folder, name }) => {
      const file = path.join(dir, folder, name);
      count(tally, await handler.handle(await readFile(file)));
      if (folder === 'new') await rename(file, path.join(dir, 'cur', `${name.split(':')[0]}:2,S`));
    },
    { stop: () => options.signal?.aborted === true },
  );
  return tally;
}

/**
 * An mbox file: messages each start with a `From ` line; a `>From ` line in a
 * body is a quoted `From ` (mboxrd), unquoted on the way in. The file is not
 * changed: read it again and nothing is applied twice.
 */
export async function readMbox(file: string, handler: MailHandler, options: { signal?: AbortSignal } = {}): Promise<MailboxTally> {
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (cause) {
    throw new BroadsheetError('USAGE', `cannot read the mbox ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const tally = emptyTally();
  await runPool(splitMbox(text), CONCURRENCY, async (raw) => count(tally, await handler.handle(raw)), { stop: () => options.signal?.aborted === true });
  return tally;
}

/** The messages of an mbox, as bytes, without their `From ` separator lines. */
export function splitMbox(mbox: Buffer): Buffer[] {
  const text = mbox.toString('latin1'); // byte for byte: the messages keep their own encodings
  const starts = [...text.matchAll(/^From [^\r\n]*\r?\n/gm)];
  return starts.map((m, i) => {
    const begin = m.index! + m[0].length;
    const end = i + 1 < starts.length ? starts[i + 1]!.index! : text.length;
    const body = text.slice(begin, end).replace(/^>(>*From )/gm, '$1');
    return Buffer.from(body, 'latin1');
  });
}
