import type { IncomingMessage, ServerResponse } from 'node:http';
import { cleanName } from '../delivery/address.js';
import type { Subscriber } from '../delivery/model.js';
import { openToken } from '../delivery/tokens.js';
import { formatDate } from '../email/view.js';
import { askToJoin } from '../list/subscribe.js';
import { escapeHtml } from '../util/text.js';
import { readForm } from './body.js';
import { TOKEN_PAGE_HEADERS } from './confirm.js';
import type { ServerContext } from './context.js';
import { methodNotAllowed } from './respond.js';
import { MAX_FORM_BODY } from './subscribe.js';
import { maskEmail } from '../util/text.js';

function describe(ctx: ServerContext, s: Subscriber): string {
  const date = (d: Date | undefined) => (d ? formatDate(ctx.config, d) : 'an unrecorded date');
  switch (s.status) {
    case 'subscribed':
      return `subscribed since ${date(s.subscribedAt)}`;
    case 'pending':
      return 'waiting for you to confirm: open the link in the confirmation mail';
    case 'unsubscribed':
      return `unsubscribed on ${date(s.leftAt)}`;
    case 'bounced':
      return `not mailed since ${date(s.leftAt)}: your mail server refused our messages`;
    case 'complained':
      return `not mailed since ${date(s.leftAt)}: an issue was reported as spam`;
  }
}

function managePage(ctx: ServerContext, s: Subscriber, note: string): string {
  const leave = s.status === 'subscribed' || s.status === 'pending';
  const action = leave
    ? '<form method="post"><input type="hidden" name="action" value="unsubscribe"><button type="submit">Unsubscribe</button></form>'
    : `<form method="post"><input type="hidden" name="action" value="resubscribe"><button type="submit">Subscribe again</button></form>${
        s.status === 'unsubscribed' ? '' : '<p><small>We will send a link to confirm first.</small></p>'
      }`;
  return `${note}<p><strong>${escapeHtml(maskEmail(s.email))}</strong> is ${escapeHtml(describe(ctx, s))}.</p>
<form method="post"><input type="hidden" name="action" value="rename"><p><label for="bs-name">Your name in the greeting</label><br>
<input id="bs-name" type="text" name="name" maxlength="200" value="${escapeHtml(s.name ?? '')}"> <button type="submit">Save</button></p></form>
${action}`;
}

/**
 * `/manage/<token>`, linked from every issue: the subscriber's status,
 * their name, and unsubscribe or subscribe again. Its token follows the
 * unsubscribe token's rules (signed, no expiry, one per address) but is of
 * its own kind. GET changes nothing; each button POSTs.
 */
export async function handleManage(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, rest: string[]): Promise<void> {
  const page = (status: number, title: string, body: string) => ctx.page(res, status, title, body, TOKEN_PAGE_HEADERS);
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (rest.length === 0) {
    if (!read) return methodNotAllowed(res, 'GET, HEAD');
    return page(200, 'Manage your subscription', '<p>Every issue of the digest ends with a link to manage your subscription: use it to change your name, unsubscribe or subscribe again.</p>');
  }
  if (rest.length > 1) return page(404, 'Not found', '<p>There is nothing at this address.</p>');
  if (!read && req.method !== 'POST') return methodNotAllowed(res, 'GET, HEAD, POST');
  if (!ctx.secret) {
    return page(503, 'Unavailable', '<p>This server cannot check links right now. Please try again later.</p>');
  }
  const email = openToken('manage', ctx.secret, rest[0]!);
  const subscriber = email === undefined ? undefined : await ctx.store.getSubscriber(email);
  if (email === undefined || !subscriber) {
    ctx.log.warn('manage refused', { reason: email === undefined ? 'invalid token' : 'not on the list' });
    return page(400, 'Invalid link', '<p>This link is not valid: it may have been cut short or changed. Use the link at the bottom of a digest email.</p>');
  }
  if (read) return page(200, 'Manage your subscription', managePage(ctx, subscriber, ''));

  const body = await readForm(req, MAX_FORM_BODY);
  if (!body.ok) return page(body.status, 'Not accepted', '<p>Use the buttons on this page.</p>');
  const at = ctx.clock.now();
  let note: string;
  switch (body.fields.get('action')) {
    case 'rename': {
      await ctx.store.rename(email, cleanName(body.fields.get('name') ?? undefined));
      note = 'Your name is saved.';
      break;
    }
    case 'unsubscribe':
      note = (await ctx.store.unsubscribe(email, at, 'link')) ? 'You are unsubscribed: no more issues will be sent.' : 'You were not subscribed.';
      break;
    case 'resubscribe':
      if (await ctx.store.resubscribe(email, at)) note = 'You are subscribed again.';
      else if (ctx.subscribe) {
        // After a bounce or a complaint, only a new confirmed opt-in brings the address back.
        await askToJoin({ config: ctx.config, store: ctx.store, mailer: ctx.subscribe.mailer }, { email, join: { via: 'form', detail: 'manage page' }, at, reopen: true });
        note = 'We sent a link to confirm; open it to subscribe again.';
      } else note = 'Subscriptions are closed on this server right now; please try again later.';
      break;
    default:
      return page(400, 'Not accepted', '<p>Use the buttons on this page.</p>');
  }
  ctx.log.info('manage', { subscriber: maskEmail(email), action: body.fields.get('action') });
  return page(200, 'Manage your subscription', managePage(ctx, (await ctx.store.getSubscriber(email))!, `<p role="status">${escapeHtml(note)}</p>\n`));
}
