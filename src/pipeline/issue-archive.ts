import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/load.js';
import { ARCHIVE_MARK, archiveMark, ISSUES_DIR, parseArchiveMark } from '../email/archive-mark.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { writeOutputs, type OutputFile } from '../output/files.js';
import { addToManifest } from '../output/manifest.js';
import type { IssueHistory } from './ports.js';

export interface ArchiveFiles {
  files: OutputFile[];
  /** The history's latest issue number; 0 when there is none. */
  latest: number;
}

/**
 * The static issue archive under `issues/`: a page per issue, sent or not
 * (an issue being sent already has its "view in browser" page), the index of
 * the sent ones, and `latest.json`. Nothing without a history or an issue.
 */
export async function archiveFiles(config: Config, history: IssueHistory | undefined): Promise<ArchiveFiles> {
  const issues = history ? await history.listIssues() : [];
  const latest = issues[0];
  if (!latest) return { files: [], latest: 0 };
  const { archiveIndex, issuePage } = await import('../email/archive.js');
  return {
    files: [
      { path: `${ISSUES_DIR}/index.html`, content: archiveIndex(config, issues) },
      ...issues.map((i) => ({ path: `${ISSUES_DIR}/${i.number}/index.html`, content: issuePage(config, i) })),
      { path: `${ISSUES_DIR}/${ARCHIVE_MARK}`, content: archiveMark(latest.number) },
    ],
    latest: latest.number,
  };
}

export const isArchivePath = (p: string): boolean => p.startsWith(`${ISSUES_DIR}/`);

/** The latest issue number the output folder's archive records (`issues/latest.json`), if any. */
export async function readArchiveMark(outputDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(outputDir, ISSUES_DIR, ARCHIVE_MARK), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseArchiveMark(text);
}

const shownMark = (config: Config) => path.relative(config.paths.root, path.join(config.paths.output, ISSUES_DIR, ARCHIVE_MARK)).split(path.sep).join('/');
const shownData = (config: Config) => path.relative(config.paths.root, config.paths.data).split(path.sep).join('/') || '.';

/**
 * The warning of a build whose history is behind the archive already in the
 * output folder: the archive is the evidence that earlier issues were sent,
 * so the build leaves it as it is rather than shrink it to what the history knows.
 */
export function archiveKeptWarning(config: Config, mark: number, latest: number): Problem {
  return {
    file: shownMark(config),
    message: `records issue ${mark}, but ${latest === 0 ? `the data folder (${shownData(config)}) has no issue` : `the data folder (${shownData(config)}) knows only issues up to ${latest}`}; the issue archive is left as it is, and send will refuse until the data folder is restored`,
  };
}

/**
 * Refuses to send when the output folder's archive records a later issue than
 * the ledger knows. A vanished or older ledger would make the next issue go
 * again to everyone, with articles they already had: better to stop and say
 * so. `newLedger` is the operator's decision to start over regardless.
 */
export async function assertLedgerComplete(config: Config, history: IssueHistory, newLedger: boolean): Promise<void> {
  if (newLedger) return;
  const mark = await readArchiveMark(config.paths.output);
  if (mark === undefined) return;
  const latest = (await history.latestIssue())?.number ?? 0;
  if (latest >= mark) return;
  const has = latest === 0 ? 'has no issue at all' : `knows only issues up to ${latest}`;
  throw new BroadsheetError(
    'LEDGER_MISSING',
    `${shownMark(config)} records issue ${mark}, but the ledger in ${shownData(config)} ${has}: the data folder of earlier runs is missing or older. ` +
      'Restore it (see docs/deploying.md) and run again, or pass --new-ledger to start a new ledger: the next issue then goes to every subscriber as if it were the first',
    { problems: [{ file: shownMark(config), message: `latest issue ${mark}; the ledger's latest: ${latest === 0 ? 'none' : latest}` }] },
  );
}

/**
 * Writes the archive into the output folder right after an issue is created,
 * so its "view in browser" page exists before the first copy goes out, and
 * adds the files to the manifest a build keeps.
 */
export async function writeIssueArchive(config: Config, history: IssueHistory): Promise<void> {
  const { files } = await archiveFiles(config, history);
  await writeOutputs(config.paths.output, files);
  await addToManifest(
    config.paths.output,
    files.map((f) => f.path),
  );
}
