import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import { renderPage } from '../util/page.js';
import { escapeHtml } from '../util/text.js';
import { personalize, type RenderedDigest } from './digest.js';
import { receiptReason } from './reason.js';

export { ARCHIVE_MARK, archiveMark, ISSUES_DIR, parseArchiveMark } from './archive-mark.js';

/**
 * The issue archive: one page per issue (the "view in browser" link), an
 * index of the sent ones, and `latest.json` (email/archive-mark.ts). A build
 * writes these files under the output folder and `serve` answers `/issues/`
 * with the same bytes, so the archive works on any host.
 */

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
