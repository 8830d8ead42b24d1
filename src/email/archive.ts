import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import { renderPage } from '../util/page.js';
import { escapeHtml } from '../util/text.js';
import { personalize, type RenderedDigest } from './digest.js';
import { receiptReason } from './reason.js';

/**
 * The issue archive: one page per issue (the "view in browser" link), an
 * index of the sent ones, and `latest.json`, the number of the latest issue.
 * A build writes these files under the output folder and `serve` answers
 * `/issues/` with the same bytes, so the archive works on any host.
 */
export const ISSUES_DIR = 'issues';

/**
 * `issues/latest.json`: the number of the latest issue ever created. Published
 * with the site, it is the evidence that a ledger existed: a send that finds
 * a ledger behind it refuses (pipeline/issue-archive.ts).
 */
export const ARCHIVE_MARK = 'latest.json';

/** An issue as the archive shows it; a stored issue is one. */
export interface ArchivedIssue extends RenderedDigest {
  number: number;
  sentAt?: Date;
}

/** One issue as its recipients saw it, with neutral values where a recipient's own would be. */
export function issuePage(config: Config, issue: ArchivedIssue): string {
  const urls = publicUrls(config);
  return personalize(issue)({
    // Empty, so a template's {{#ifRecipient "email"}} sections drop out as they do for a nameless subscriber.
    email: '',
    unsubscribeUrl: urls.unsubscribePage,
    viewUrl: urls.issue(issue.number),
    manageUrl: urls.managePage,
    reason: receiptReason(config),
  }).html;
}

/** The index: every sent issue, in the order given (newest first), each linked relative to `issues/`. */
export function archiveIndex(config: Config, issues: readonly ArchivedIssue[]): string {
  const { site } = config;
  const items = issues
    .filter((i) => i.sentAt !== undefined)
    .map((i) => `<li><a href="${i.number}/">No. ${i.number}: ${escapeHtml(i.subject)}</a> <time datetime="${i.sentAt!.toISOString()}">${i.sentAt!.toISOString().slice(0, 10)}</time></li>`);
  const body = items.length > 0 ? `<ul>\n${items.join('\n')}\n</ul>` : '<p>No issue has been sent yet.</p>';
  return renderPage({ siteTitle: site.title, language: site.language, title: 'Past issues', body });
}

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
