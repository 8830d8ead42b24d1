import type { Config } from '../config/load.js';
import { BroadsheetError } from '../errors.js';
import { LITERALS, recipientLines, toRecipientTemplate } from './placeholders.js';
import { qpText } from './qp.js';
import { MJML_OPTIONS, mjmlToHtml } from './mjml.js';
import { mjmlCacheFor, type MjmlCache } from './mjml-cache.js';
import { loadTemplates, newHandlebars, renderConfigTemplate } from './templates.js';
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
 * issue. The result is the same for every recipient. `cache` is the build
 * cache's MJML pack (none under `--no-cache`).
 */
export async function renderDigest(config: Config, content: DigestContent, cache: MjmlCache | undefined = mjmlCacheFor(config.paths.cache, MJML_OPTIONS, config.paths.root)): Promise<RenderedDigest> {
  const templates = await loadTemplates(config);
  const view = digestView(config, content);
  view.subject = oneLine(renderConfigTemplate(config, 'digest.subject', view));
  view.preheader = oneLine(renderConfigTemplate(config, 'digest.preheader', view));
  const html = await mjmlToHtml(templates.html(view), cache);
  const text = templates.text(view);
  return { subject: view.subject, preheader: view.preheader, html, text };
}

type Fill = (context: object) => string;

function compileStage2(source: string, escape: boolean): Fill {
  try {
    const hb = newHandlebars();
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
    const context = recipientContext(r);
    return { html: html(context), text: text(context) };
  };
}

function recipientContext(r: Recipient): object {
  return {
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
}

/** The bodies of a personalised message, already quoted-printable (CRLF line breaks), as pieces to join. */
export interface EncodedBodies {
  html: Buffer[];
  text: Buffer[];
}

/**
 * personalize(), encoded: decoded, each body is exactly what personalize()
 * gives. The lines that are the same for every recipient (nearly all of
 * them) are encoded once, here; per recipient only the few lines with their
 * own values are filled and encoded. Sending then neither copies nor
 * re-encodes the whole digest for each message.
 */
export function encodedPersonalizer(digest: RenderedDigest): (r: Recipient) => EncodedBodies {
  const html = encodedFill(digest.html, true);
  const text = encodedFill(digest.text, false);
  return (r) => {
    const context = recipientContext(r);
    return { html: html(context), text: text(context) };
  };
}

/**
 * Splits a rendered part into runs of whole lines: the same for everybody
 * (encoded now) or holding placeholders (compiled now, filled and encoded per
 * recipient). Since quoted-printable encodes each line on its own, and a
 * template of whole lines fills as it does inside the whole, the pieces join
 * into exactly the encoding of the filled whole, as long as each filled run
 * still ends its last line. One may not: Handlebars drops the line break of a
 * block's standalone closing line when the block is empty, and the run's last
 * line then continues on the next run's first. Those recipients get the
 * filled whole encoded at once, so no encoded line passes 76 characters.
 */
function encodedFill(source: string, escape: boolean): (context: object) => Buffer[] {
  const lines = source.split('\n');
  const run = (from: number, to: number) => lines.slice(from, to + 1).join('\n') + (to < lines.length - 1 ? '\n' : '');
  const pieces: ({ text: string; encoded: Buffer } | Fill)[] = [];
  const shared = (text: string) => pieces.push({ text, encoded: Buffer.from(qpText(text), 'latin1') });
  let next = 0;
  for (const [from, to] of recipientLines(source)) {
    if (from > next) shared(run(next, from - 1));
    pieces.push(compileStage2(run(from, to), escape));
    next = to + 1;
  }
  if (next < lines.length) shared(run(next, lines.length - 1));
  // Joined once, by the caller, with the part's head: the shared pieces are not copied twice.
  return (context) => {
    const filled = pieces.map((p) => (typeof p === 'function' ? p(context) : p));
    const broken = filled.some((p, i) => typeof p === 'string' && i < filled.length - 1 && !p.endsWith('\n'));
    if (broken) return [Buffer.from(qpText(filled.map((p) => (typeof p === 'string' ? p : p.text)).join('')), 'latin1')];
    return filled.map((p) => (typeof p === 'string' ? Buffer.from(qpText(p), 'latin1') : p.encoded));
  };
}

