import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyUnsubscribeToken } from '../delivery/tokens.js';
import { isDatabaseFault } from '../errors.js';
import type { ServerContext } from './context.js';
import { escapeHtml, maskEmail } from '../util/text.js';
import { NOT_FOUND } from './pages.js';
import { MAX_BODY_BYTES, readBody } from './body.js';
import { methodNotAllowed } from './respond.js';

// The token is the only credential; it must not leak to other sites through Referer.
const HEADERS = { 'Referrer-Policy': 'no-referrer' };

/** When a one-click sender should try an unsubscribe the database could not take (503) again. */
const RETRY_AFTER_S = 30;

/**
 * `/unsubscribe/<token>`. GET only shows a button, because mail scanners and
 * link previews fetch every URL in a message; POST (RFC 8058 one-click, or
 * the button's form) unsubscribes. Forged tokens change nothing.
 */
export async function handleUnsubscribe(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, rest: string[]): Promise<void> {
  const page = (status: number, title: string, body: string) => ctx.page(res, status, title, body, HEADERS);

  if (rest.length === 0) {
    if (!isRead(req)) return methodNotAllowed(res, 'GET, HEAD');
    return page(200, 'Unsubscribe', '<p>To stop receiving the digest, follow the unsubscribe link at the bottom of any issue you received. It leads to a page with a button that unsubscribes your address at once.</p>');
  }
  if (rest.length > 1) return page(404, 'Not found', NOT_FOUND);
  if (!isRead(req) && req.method !== 'POST') return methodNotAllowed(res, 'GET, HEAD, POST');
  if (!ctx.secret) {
    return page(503, 'Unsubscribe unavailable', '<p>This server cannot check unsubscribe links right now. Please reply to the digest and ask to be removed.</p>');
  }
  const email = verifyUnsubscribeToken(ctx.secret, rest[0]!);
  if (email === undefined) {
    ctx.log.warn('unsubscribe refused', { reason: 'invalid token' });
    return page(400, 'Invalid unsubscribe link', '<p>This unsubscribe link is not valid: it may have been cut short or changed. Use the link from the bottom of a digest email, or reply to the digest and ask to be removed.</p>');
  }
  const shown = escapeHtml(maskEmail(email));
  if (isRead(req)) {
    return page(
      200,
      'Unsubscribe',
      `<p>Stop sending the digest to <strong>${shown}</strong>?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><input type="hidden" name="from" value="page"><button type="submit">Unsubscribe</button></form>`,
    );
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === undefined) return page(413, 'Request too large', '<p>The request body is too large.</p>');
  if (!isOneClick(req.headers['content-type'], body)) {
    return page(400, 'Unsubscribe not confirmed', '<p>The request did not carry <code>List-Unsubscribe=One-Click</code>. Use the button on the unsubscribe page.</p>');
  }
  // The page's button says it came from the page; a mail client's one-click POST carries the field alone.
  const via = new URLSearchParams(body).get('from') === 'page' ? 'link' : 'one-click';
  let changed: boolean;
  try {
    // Resolves once the change is on disk: only then is the reader told it is done.
    changed = await ctx.store.unsubscribe(email, ctx.clock.now(), via);
  } catch (error) {
    if (!isDatabaseFault(error)) throw error;
    ctx.log.error('unsubscribe not recorded', { subscriber: maskEmail(email), code: error.code, error: error.message });
    return ctx.page(
      res,
      503,
      'Unsubscribe not recorded yet',
      `<p>We could not record the unsubscribe of <strong>${shown}</strong> just now, so nothing has changed yet. Please press the button again in a minute, or reply to the digest and ask to be removed.</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><input type="hidden" name="from" value="page"><button type="submit">Try again</button></form>`,
      { ...HEADERS, 'Retry-After': String(RETRY_AFTER_S) },
    );
  }
  ctx.log.info('unsubscribed', { subscriber: maskEmail(email), changed, via });
  return page(200, 'Unsubscribed', `<p><strong>${shown}</strong> will receive no more digests.</p>`);
}

function isRead(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

/**
 * RFC 8058 asks for `List-Unsubscribe=One-Click` as multipart/form-data
 * (SHOULD) or urlencoded (MAY); some senders post it as plain text.
 */
export function isOneClick(contentType: string | undefined, body: string): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    return /content-disposition:\s*form-data;\s*name="?List-Unsubscribe"?(?=[;\s])[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/i.test(body);
  }
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(body).get('List-Unsubscribe') === 'One-Click';
  return body.trim() === 'List-Unsubscribe=One-Click';
}
