import type { IncomingMessage, ServerResponse } from 'node:http';
import { publicUrls } from '../config/urls.js';
import { verifyConfirmToken } from '../delivery/tokens.js';
import { escapeHtml } from '../util/text.js';
import { readBody } from './body.js';
import type { ServerContext } from './context.js';
import { methodNotAllowed } from './respond.js';
import { maskEmail } from '../util/text.js';

// The token is a credential: it must not leak to other sites through Referer.
export const TOKEN_PAGE_HEADERS = { 'Referrer-Policy': 'no-referrer' };

/**
 * `/confirm/<token>`, the link of the confirmation mail. GET shows a button
 * and changes nothing (mail scanners open every link); only its POST
 * subscribes. A forged, altered or expired token gets a page that says so,
 * and changes nothing.
 */
export async function handleConfirm(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, rest: string[]): Promise<void> {
  const { config } = ctx;
  const page = (status: number, title: string, body: string) => ctx.page(res, status, title, body, TOKEN_PAGE_HEADERS);
  const again = `<p><a href="${escapeHtml(publicUrls(config).subscribe)}">Subscribe again</a> to get a new link.</p>`;

  if (rest.length !== 1) return page(404, 'Not found', `<p>A confirmation link ends with a code; this one has none.</p>${again}`);
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (!read && req.method !== 'POST') return methodNotAllowed(res, 'GET, HEAD, POST');
  if (req.method === 'POST') await readBody(req, 1024); // the button's form carries nothing we need
  if (!ctx.secret) return page(503, 'Confirmation unavailable', '<p>This server cannot check confirmation links right now. Please try again later.</p>');

  const token = verifyConfirmToken(ctx.secret, rest[0]!, ctx.clock.now(), config.list.confirmDays);
  if (!token.ok) {
    ctx.log.warn('confirmation refused', { reason: token.reason === 'expired' ? 'expired token' : 'invalid token' });
    return token.reason === 'expired'
      ? page(410, 'Link expired', `<p>This confirmation link has expired: links work for ${config.list.confirmDays} days. Nothing was changed.</p>${again}`)
      : page(400, 'Invalid confirmation link', `<p>This confirmation link is not valid: it may have been cut short or changed. Nothing was changed.</p>${again}`);
  }
  const shown = escapeHtml(maskEmail(token.email));
  const title = escapeHtml(config.site.title);
  if (read) {
    return page(200, 'Confirm your subscription', `<p>Send ${title} to <strong>${shown}</strong>?</p>\n<form method="post"><button type="submit">Confirm my subscription</button></form>`);
  }
  const outcome = await ctx.store.confirmSubscription(token.email, token.requestedAt, ctx.clock.now());
  ctx.log.info('confirmation', { subscriber: maskEmail(token.email), outcome });
  if (outcome === 'not-pending') return page(410, 'Link no longer valid', `<p>This link belongs to an earlier request for <strong>${shown}</strong>. Nothing was changed.</p>${again}`);
  return page(200, 'Subscribed', `<p><strong>${shown}</strong> ${outcome === 'confirmed' ? 'is now subscribed' : 'was already subscribed'} to ${title}. Every issue has a link to manage your subscription or leave.</p>`);
}
