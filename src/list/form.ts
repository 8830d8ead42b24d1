import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import { escapeHtml } from '../util/text.js';

/** The ready-to-paste subscribe form the build writes into the output folder, for the publisher's own pages. */
export const FORM_SNIPPET_FILE = 'subscribe-form.html';

/** The form's fields, as the subscribe endpoint reads them. */
export const FIELDS = { email: 'email', name: 'name', honeypot: 'website' } as const;

/**
 * The subscribe form: an address, an optional name, and a honeypot, a field
 * people never see (moved off-screen, skipped by the keyboard and by
 * assistive technology) that form-filling robots fill in. A request with the
 * honeypot filled is answered like any other and changes nothing. `action`
 * absent: the form posts back to the page it is on.
 */
export function subscribeFormHtml(config: Config, options: { action?: string } = {}): string {
  const action = options.action === undefined ? '' : ` action="${escapeHtml(options.action)}"`;
  return `<form class="broadsheet-subscribe" method="post"${action}>
<p><label for="bs-email">Email address</label><br>
<input id="bs-email" type="email" name="${FIELDS.email}" required autocomplete="email" maxlength="254"></p>
<p><label for="bs-name">Name (optional)</label><br>
<input id="bs-name" type="text" name="${FIELDS.name}" autocomplete="name" maxlength="200"></p>
<div aria-hidden="true" style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden"><label for="bs-website">Leave this empty</label><input id="bs-website" type="text" name="${FIELDS.honeypot}" tabindex="-1" autocomplete="off"></div>
<p><button type="submit">Subscribe to ${escapeHtml(config.site.title)}</button></p>
<p><small>We will send a link to confirm. No mail is sent to the list before you do.</small></p>
</form>
`;
}

/**
 * The snippet for other pages of the site: the same form, posting to the
 * public subscribe URL. A page on another origin must be listed in
 * `list.allowedOrigins`, or the server refuses its posts.
 */
export function formSnippet(config: Config): string {
  return `<!-- broadsheet: subscribe form for ${escapeHtml(config.site.title)}; paste it into a page. -->\n${subscribeFormHtml(config, { action: publicUrls(config).subscribe })}`;
}
