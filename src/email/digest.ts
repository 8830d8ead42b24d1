// TEMPORARY STAND-IN for the email helper's src/email/digest.ts (contract names only).
// The delivery branch deletes this file when the `email` branch is merged.
import Handlebars from 'handlebars';
import type { Config } from '../config/load.js';
import type { Entry, Site } from '../content/model.js';
import { leadStory } from '../content/model.js';

export interface DigestContent { number?: number; lead: Entry; cards: Entry[] }
export interface RenderedDigest { subject: string; preheader: string; html: string; text: string }
export interface Recipient { email: string; name?: string; unsubscribeUrl: string; viewUrl: string }

export async function renderDigest(config: Config, content: DigestContent): Promise<RenderedDigest> {
  const data = { site: config.site, lead: content.lead, number: content.number };
  const subject = Handlebars.compile(config.digest.subject, { noEscape: true })(data);
  const preheader = Handlebars.compile(config.digest.preheader, { noEscape: true })(data);
  const esc = Handlebars.Utils.escapeExpression;
  const cards = content.cards.map((c) => `<li><a href="${esc(c.url)}">${esc(c.title)}</a></li>`).join('');
  const html = `<!doctype html><html><body><p>Hello {{name}}</p><h1>${esc(content.lead.title)}</h1>${content.lead.html}<ul>${cards}</ul>` +
    `<p><a href="{{viewUrl}}">View in browser</a> <a href="{{unsubscribeUrl}}">Unsubscribe</a></p></body></html>`;
  const text = `Hello {{name}}\n\n${content.lead.title}\n\n${content.lead.description}\n\n${content.cards.map((c) => `- ${c.title} ${c.url}`).join('\n')}\n\nView in browser: {{viewUrl}}\nUnsubscribe: {{unsubscribeUrl}}\n`;
  return { subject, preheader, html, text };
}

export function personalize(digest: RenderedDigest): (r: Recipient) => { html: string; text: string } {
  const html = Handlebars.compile(digest.html);
  const text = Handlebars.compile(digest.text, { noEscape: true });
  return (r) => ({ html: html({ ...r, name: r.name ?? 'reader' }), text: text({ ...r, name: r.name ?? 'reader' }) });
}

export function digestContentFor(site: Site): DigestContent | undefined {
  const story = leadStory(site);
  return story && { lead: story.lead, cards: story.related };
}
