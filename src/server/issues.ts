import type { IncomingMessage, ServerResponse } from 'node:http';
import { publicUrls } from '../config/urls.js';
import type { StoredIssue } from '../delivery/model.js';
import { personalize } from '../email/digest.js';
import { receiptReason } from '../email/reason.js';
import type { ServerContext } from './context.js';
import { RecentCache } from './cache.js';
import { escapeHtml } from '../util/text.js';
import { PAGE_CSP, renderPage } from './pages.js';
import { methodNotAllowed, redirect, representation, sendRepresentation, weight, type Representation } from './respond.js';

// An issue is the email's HTML: inline styles and remote images, never scripts.
const ISSUE_CSP = "default-src 'none'; style-src 'unsafe-inline' https:; img-src https: http: data:; font-src https:; frame-ancestors 'none'; base-uri 'none'";

/**
 * The archive of issues: `/issues/` lists the sent ones, `/issues/<n>/` shows
 * one as its recipients saw it (the "view in browser" link), with neutral
 * values where a recipient's own would be.
 */
export class IssueArchive {
  /** An issue's content never changes once created, so each is personalised once (while it is read). */
  private readonly pages = new RecentCache<number, { key: string; rep: Representation }>(16 * 1024 * 1024, (p) => weight(p.rep));
  private index: { key: string; rep: Representation } | undefined;

  constructor(private readonly ctx: ServerContext) {}

  async handle(req: IncomingMessage, res: ServerResponse, rest: string[], trailingSlash: boolean, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    const notFound = () => this.ctx.page(res, 404, 'No such issue', '<p>There is no issue at this address. See <a href="/issues/">all issues</a>.</p>');

    if (rest.length === 0) {
      if (!trailingSlash) return redirect(res, `${pathname}/`);
      return sendRepresentation(req, res, await this.indexPage(), { headers: { 'Content-Security-Policy': PAGE_CSP } });
    }
    if (rest.length > 1 || !/^[1-9]\d{0,8}$/.test(rest[0]!)) return notFound();
    const number = Number(rest[0]);
    if (!trailingSlash) return redirect(res, `${pathname}/`);
    const issue = await this.ctx.store.getIssue(number);
    if (!issue) return notFound();
    sendRepresentation(req, res, this.page(issue), { headers: { 'Content-Security-Policy': ISSUE_CSP } });
  }

  /**
   * Listing reads every issue's HTML from the store, so the page is rebuilt
   * only when the latest issue changes: the digest job creates an issue only
   * once the one before is sent, so every other issue is sent and settled.
   */
  private async indexPage(): Promise<Representation> {
    const latest = await this.ctx.store.latestIssue();
    const key = `${latest?.number}:${latest?.sentAt?.getTime()}`;
    if (this.index?.key === key) return this.index.rep;
    const { site } = this.ctx.config;
    const sent = (await this.ctx.store.listIssues()).filter((i) => i.sentAt !== undefined);
    const items = sent.map((i) => `<li><a href="${i.number}/">No. ${i.number}: ${escapeHtml(i.subject)}</a> <time datetime="${i.sentAt!.toISOString()}">${i.sentAt!.toISOString().slice(0, 10)}</time></li>`);
    const body = items.length > 0 ? `<ul>\n${items.join('\n')}\n</ul>` : '<p>No issue has been sent yet.</p>';
    const html = renderPage({ siteTitle: site.title, language: site.language, title: 'Past issues', body });
    this.index = { key, rep: representation(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8') };
    return this.index.rep;
  }

  private page(issue: StoredIssue): Representation {
    const key = `${issue.createdAt.getTime()}:${issue.sentAt?.getTime()}`;
    const cached = this.pages.get(issue.number);
    if (cached?.key === key) return cached.rep;
    const urls = publicUrls(this.ctx.config);
    const { html } = personalize(issue)({
      // Empty, so a template's {{#ifRecipient "email"}} sections drop out as they do for a nameless subscriber.
      email: '',
      unsubscribeUrl: urls.unsubscribePage,
      viewUrl: urls.issue(issue.number),
      manageUrl: urls.managePage,
      reason: receiptReason(this.ctx.config),
    });
    const rep = representation(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8', { lastModified: issue.sentAt ?? issue.createdAt });
    this.pages.set(issue.number, { key, rep });
    return rep;
  }
}
