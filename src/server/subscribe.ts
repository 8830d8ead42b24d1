import type { IncomingMessage, ServerResponse } from 'node:http';
import { normaliseAddress, cleanName } from '../delivery/address.js';
import { FIELDS, subscribeFormHtml } from '../list/form.js';
import { askToJoin } from '../list/subscribe.js';
import { escapeHtml } from '../util/text.js';
import { readForm } from './body.js';
import type { ServerContext } from './context.js';
import { clientAddress } from './rate-limit.js';
import { methodNotAllowed } from './respond.js';
import { maskEmail } from '../util/text.js';

/** A subscribe form's body is an address and a name: a few hundred bytes. */
export const MAX_FORM_BODY = 8 * 1024;

/**
 * The origin a browser says a POST comes from: Origin, or failing that the
 * Referer's. Undefined when it says neither (a client that is not a browser,
 * which no other site can make post on a reader's behalf).
 */
function requestOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) return origin.toLowerCase();
  const referer = req.headers.referer;
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin.toLowerCase();
  } catch {
    return 'null';
  }
}

/**
 * A form may post from the site itself (its public origin, or the host the
 * request was made to, as on a reverse proxy's own address) and from the
 * origins in `list.allowedOrigins`; from nowhere else.
 */
function originAllowed(ctx: ServerContext, req: IncomingMessage, origin: string | undefined): boolean {
  if (origin === undefined) return true;
  if (origin === new URL(ctx.config.site.url).origin) return true;
  if (ctx.config.list.allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === (req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/**
 * `/subscribe/`: GET shows the form; POST asks to join (double opt-in).
 *
 * Whatever the address's status (new, pending, subscribed, gone), a valid
 * POST gets the same page, with the same status, and no mail is awaited
 * before it: nothing in the answer tells whether an address is on the list.
 * Abuse: the per-client rate limit (`list.rateLimit` a minute), a body cap,
 * a honeypot field, forms from other origins only when listed in
 * `list.allowedOrigins`, and at most `list.confirmMails` confirmation mails
 * per address and window however often it is posted.
 */
export async function handleSubscribe(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, rest: string[]): Promise<void> {
  const { config } = ctx;
  const page = (status: number, title: string, body: string, headers: Record<string, string> = {}) => ctx.page(res, status, title, body, headers);
  const form = (note = '') => `${note}<p>Get ${escapeHtml(config.site.title)} by email. We send a link to confirm your address first.</p>\n${subscribeFormHtml(config)}`;

  if (rest.length > 0) return page(404, 'Not found', '<p>There is nothing at this address.</p>');
  if (req.method === 'GET' || req.method === 'HEAD') return page(200, 'Subscribe', form());
  if (req.method !== 'POST') return methodNotAllowed(res, 'GET, HEAD, POST');

  if (!ctx.subscribe) {
    return page(503, 'Subscriptions closed', '<p>This server cannot take subscriptions right now. Please try again later.</p>');
  }
  if (!ctx.subscribe.limit.take(clientAddress(req, config.server.trustProxy))) {
    ctx.log.warn('subscribe refused', { reason: 'rate limit' });
    return page(429, 'Too many requests', '<p>Too many requests from your address. Please wait a minute and try again.</p>', { 'Retry-After': '60' });
  }
  const origin = requestOrigin(req);
  if (!originAllowed(ctx, req, origin)) {
    ctx.log.warn('subscribe refused', { reason: 'origin not allowed', origin });
    return page(403, 'Form not accepted', `<p>This form may only be sent from ${escapeHtml(config.site.url)}.</p>`);
  }
  const body = await readForm(req, MAX_FORM_BODY);
  if (!body.ok) {
    return body.status === 413
      ? page(413, 'Request too large', '<p>The form is larger than a subscription can be.</p>')
      : page(415, 'Unsupported form', '<p>Send the form as a web browser does (application/x-www-form-urlencoded).</p>');
  }
  const accepted = () =>
    page(
      200,
      'Check your inbox',
      `<p>Thank you. If this address can receive ${escapeHtml(config.site.title)} and is not subscribed yet, a message with a link to confirm is on its way. The link works for ${config.list.confirmDays} days; nothing else is sent until you confirm.</p>`,
    );
  // Robots fill every field; people never see this one. Answered like anyone else.
  if ((body.fields.get(FIELDS.honeypot) ?? '') !== '') {
    ctx.log.info('subscribe ignored', { reason: 'honeypot' });
    return accepted();
  }
  const address = normaliseAddress(body.fields.get(FIELDS.email) ?? '');
  if (!address.ok) return page(400, 'Subscribe', form(`<p role="alert"><strong>That is not an address we can send to:</strong> ${escapeHtml(address.reason)}.</p>\n`));

  const at = ctx.clock.now();
  const { outcome, mail } = await askToJoin(
    { config, store: ctx.store, mailer: ctx.subscribe.mailer },
    { email: address.email, name: cleanName(body.fields.get(FIELDS.name) ?? undefined), join: { via: 'form', detail: origin }, at, reopen: true },
  );
  void mail; // the mailer logs its outcome; the answer does not wait for SMTP
  ctx.log.info('subscribe request', { subscriber: maskEmail(address.email), outcome });
  return accepted();
}
