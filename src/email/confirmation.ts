import type { Config } from '../config/load.js';
import { oneLine } from '../util/text.js';
import type { RenderedDigest } from './digest.js';
import { mjmlCacheFor } from './mjml-cache.js';
import { MJML_OPTIONS, mjmlToHtml } from './mjml.js';
import { CONFIRM_TEMPLATES, loadTemplates, renderConfigTemplate } from './templates.js';
import { siteView, type SiteView } from './view.js';

/** What the confirmation templates see; the link and the address are per-recipient placeholders. */
export interface ConfirmationView {
  site: SiteView;
  subject: string;
  preheader: string;
  /** How long the link works (`list.confirmDays`). */
  days: number;
}

/**
 * The confirmation mail of double opt-in, rendered once (MJML runs here) with
 * the recipient's address, name and confirmation link left as placeholders:
 * `personalize()` fills them per request without running MJML again.
 */
export async function renderConfirmation(config: Config): Promise<RenderedDigest> {
  const templates = await loadTemplates(config, CONFIRM_TEMPLATES);
  const view: ConfirmationView = { site: siteView(config), subject: '', preheader: '', days: config.list.confirmDays };
  view.subject = oneLine(renderConfigTemplate(config, 'list.confirmSubject', view));
  view.preheader = `One click to confirm, within ${view.days} days.`;
  const html = await mjmlToHtml(templates.html(view), mjmlCacheFor(config.paths.cache, MJML_OPTIONS, config.paths.root));
  return { subject: view.subject, preheader: view.preheader, html, text: templates.text(view) };
}
