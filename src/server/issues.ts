import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoredIssue } from '../delivery/model.js';
import { ARCHIVE_MARK, archiveIndex, archiveMark, issuePage } from '../email/archive.js';
import type { ServerContext } from './context.js';
import { RecentCache } from './cache.js';
import { PAGE_CSP } from './pages.js';
import { methodNotAllowed, redirect, representation, sendRepresentation, weight, type Representation } from './respond.js';

// An issue is the email's HTML: inline styles and remote images, never scripts.
const ISSUE_CSP = "default-src 'none'; style-src 'unsafe-inline' https:; img-src https: http: data:; font-src https:; frame-ancestors 'none'; base-uri 'none'";

/**
 * The archive of issues: `/issues/` lists the sent ones, `/issues/<n>/` shows
 * one as its recipients saw it (the "view in browser" link), with neutral
 * values where a recipient's own would be; `/issues/latest.json` gives the
 * latest number. The bytes are those a build writes (email/archive.ts), read
 * from the store, so an issue is here from the moment it is created.
 */
export class IssueArchive {
  /** An issue's content never changes once created, so each is personalised once (while it is read). */
  private readonly pages = new RecentCache<number, { key: string; rep: Representation }>(16 * 1024 * 1024, (p) => weight(p.rep));
  private indexCache: { key: string; page: Representation; mark: Representation | undefined } | undefined;

  constructor(private readonly ctx: ServerContext) {}

  async handle(req: IncomingMessage, res: ServerResponse, rest: string[], trailingSlash: boolean, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    const notFound = () => this.ctx.page(res, 404, 'No such issue', '<p>There is no issue at this address. See <a href="/issues/">all issues</a>.</p>');

    if (rest.length === 0) {
      if (!trailingSlash) return redirect(res, `${pathname}/`);
      return sendRepresentation(req, res, (await this.index()).page, { headers: { 'Content-Security-Policy': PAGE_CSP } });
    }
    if (rest.length === 1 && rest[0] === ARCHIVE_MARK && !trailingSlash) {
      const { mark } = await this.index();
      return mark ? sendRepresentation(req, res, mark) : notFound();
    }
    if (rest.length > 1 || !/^[1-9]\d{0,8}$/.test(rest[0]!)) return notFound();
    const number = Number(rest[0]);
    if (!trailingSlash) return redirect(res, `${pathname}/`);
    const issue = await this.ctx.store.getIssue(number);
    if (!issue) return notFound();
    sendRepresentation(req, res, this.page(issue), { headers: { 'Content-Security-Policy': ISSUE_CSP } });
  }

  /**
   * Listing reads every issue's HTML from the store, so the index is rebuilt
   * only when the latest issue changes: the digest job creates an issue only
   * once the one before is sent, so every other issue is sent and settled.
   */
  private async index(): Promise<{ key: string; page: Representation; mark: Representation | undefined }> {
    const latest = await this.ctx.store.latestIssue();
    const key = `${latest?.number}:${latest?.sentAt?.getTime()}`;
    if (this.indexCache?.key === key) return this.indexCache;
    const html = archiveIndex(this.ctx.config, await this.ctx.store.listIssues());
    this.indexCache = {
      key,
      page: representation(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8'),
      mark: latest ? representation(Buffer.from(archiveMark(latest.number), 'utf8'), 'application/json; charset=utf-8') : undefined,
    };
    return this.indexCache;
  }

  private page(issue: StoredIssue): Representation {
    const key = `${issue.createdAt.getTime()}:${issue.sentAt?.getTime()}`;
    const cached = this.pages.get(issue.number);
    if (cached?.key === key) return cached.rep;
    const html = issuePage(this.ctx.config, issue);
    const rep = representation(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8', { lastModified: issue.sentAt ?? issue.createdAt });
    this.pages.set(issue.number, { key, rep });
    return rep;
  }
}
