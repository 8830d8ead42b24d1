import Handlebars from 'handlebars';
import type { Config } from '../config/load.js';
import { BroadsheetError } from '../errors.js';
import { LITERALS, toRecipientTemplate } from './placeholders.js';
import { MJML_OPTIONS, mjmlToHtml } from './mjml.js';
import { mjmlCacheFor } from './mjml-cache.js';
import { loadTemplates, renderConfigTemplate } from './templates.js';
import { oneLine } from '../util/text.js';
import { digestView, type DigestContent } from './view.js';

export type { DigestContent } from './view.js';

/** A rendered issue. `html` and `text` still hold the per-recipient placeholders that personalize() fills. */
export interface RenderedDigest {
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

export interface Recipient {
  email: string;
  name?: string;
  unsubscribeUrl: string;
  viewUrl: string;
  /** The subscriber's manage page. */
  manageUrl?: string;
  /** Why this reader gets the mail ("… confirmed on 1 September 2025 via the subscribe form"). */
  reason?: string;
  /** A confirmation mail's link; empty in an issue. */
  confirmUrl?: string;
}

/**
 * Stage 1: fills the templates with the data and runs MJML, once per
 * issue. The result is the same for every recipient.
 */
export async function renderDigest(config: Config, content: DigestContent): Promise<RenderedDigest> {
  const templates = await loadTemplates(config);
  const view = digestView(config, content);
  view.subject = oneLine(renderConfigTemplate(config, 'digest.subject', view));
  view.preheader = oneLine(renderConfigTemplate(config, 'digest.preheader', view));
  const html = await mjmlToHtml(templates.html(view), mjmlCacheFor(config.paths.root, MJML_OPTIONS));
  const text = templates.text(view);
  return { subject: view.subject, preheader: view.preheader, html, text };
}

type Fill = (context: object) => string;

function compileStage2(source: string, escape: boolean): Fill {
  try {
    const hb = Handlebars.create();
    const template = hb.compile(toRecipientTemplate(source), { noEscape: !escape, knownHelpersOnly: true, strict: false });
    template({ ...LITERALS, recipient: {} }); // Handlebars compiles on first use; do it now, not per recipient.
    return template;
  } catch (cause) {
    throw new BroadsheetError('INTERNAL', 'the rendered digest cannot be personalised', { cause });
  }
}

/**
 * Stage 2: compiles the rendered HTML and text once; the returned function
 * fills in one recipient's values (escaped in the HTML, each on one line)
 * and runs no MJML.
 */
export function personalize(digest: RenderedDigest): (r: Recipient) => { html: string; text: string } {
  const html = compileStage2(digest.html, true);
  const text = compileStage2(digest.text, false);
  return (r) => {
    const context = {
      ...LITERALS,
      recipient: {
        email: oneLine(r.email),
        name: r.name === undefined ? '' : oneLine(r.name),
        unsubscribeUrl: oneLine(r.unsubscribeUrl),
        viewUrl: oneLine(r.viewUrl),
        manageUrl: oneLine(r.manageUrl ?? ''),
        reason: oneLine(r.reason ?? ''),
        confirmUrl: oneLine(r.confirmUrl ?? ''),
      },
    };
    return { html: html(context), text: text(context) };
  };
}

