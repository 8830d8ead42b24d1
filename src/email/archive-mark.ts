// Apart from email/archive.ts, which loads the digest's renderer (Handlebars): every build reads the mark, few render an issue page.

/** The issue archive's folder under the output folder (email/archive.ts renders its pages). */
export const ISSUES_DIR = 'issues';

/**
 * `issues/latest.json`: the number of the latest issue ever created. Published
 * with the site, it is the evidence that a ledger existed: a send that finds
 * a ledger behind it refuses (pipeline/issue-archive.ts).
 */
export const ARCHIVE_MARK = 'latest.json';

/** `latest.json`'s content. */
export function archiveMark(latest: number): string {
  return `${JSON.stringify({ latestIssue: latest })}\n`;
}

/** The number `latest.json` records, or undefined when the text is not such a file. */
export function parseArchiveMark(text: string): number | undefined {
  try {
    const n = (JSON.parse(text) as { latestIssue?: unknown }).latestIssue;
    return Number.isSafeInteger(n) && (n as number) > 0 ? (n as number) : undefined;
  } catch {
    return undefined;
  }
}
