import { SYNDICATION_NS, type Channel, type SiteMeta } from './channel.js';
import type { FeedAuthor, FeedItem } from './item.js';
import { attrs, cdata, element, escapeAttr, escapeText, isoDate, stylesheetInstruction, XML_DECLARATION } from './xml.js';

/**
 * Atom 1.0, written directly rather than through `feed`: its atom1() turns
 * ids into normalised URLs (and throws on anything else), guesses enclosure
 * types from file extensions, leaves `<` unescaped in category attributes,
 * cannot set xml:lang, more than one hub, or RFC 5005 links, and costs about
 * half a second for the 10,000 entries of a full archive. Entries are
 * rendered once and shared by the main, tag and archive documents.
 */

const ATOM_NS = 'http://www.w3.org/2005/Atom';
export const HISTORY_NS = 'http://purl.org/syndication/history/1.0';

/** RFC 5005 links of one document of an archived feed. */
export interface History {
  /** The subscription document (atom.xml): `rel="current"` and the archive's feed id. */
  current?: string;
  prevArchive?: string;
  nextArchive?: string;
  /** True for archive documents, which carry `<fh:archive/>`: full, and never changed again. */
  archive: boolean;
}

const fragments = new WeakMap<FeedItem, string>();

function person(tag: 'author', a: FeedAuthor, indent: string): string {
  let out = `${indent}<${tag}>${element('name', a.name)}`;
  if (a.email) out += element('email', a.email);
  if (a.url) out += element('uri', a.url);
  return `${out}</${tag}>\n`;
}

function link(rel: string, href: string, extra: Record<string, string | number | undefined> = {}): string {
  return `<link${attrs({ rel, href, ...extra })}/>`;
}

/**
 * The `<entry>` of an item. Kept for the main and tag feeds, which share
 * entries; not for archive pages, where each entry appears once and keeping
 * 10,000 of them would only hold memory.
 */
export function atomEntry(item: FeedItem, keep = true): string {
  const cached = fragments.get(item);
  if (cached !== undefined) return cached;
  const i = '    ';
  let out = `  <entry${attrs({ 'xml:lang': item.language })}>\n`;
  out += `${i}${element('id', item.id)}\n`;
  out += `${i}${element('title', item.title)}\n`;
  out += `${i}<link rel="alternate" href="${escapeAttr(item.url)}" type="text/html"/>\n`;
  if (item.image) {
    out += `${i}${link('enclosure', item.image.url, { type: item.image.type, length: item.image.length, title: item.image.alt || undefined })}\n`;
  }
  if (item.enclosure) {
    const { url, type, length, title } = item.enclosure;
    out += `${i}${link('enclosure', url, { type, length, title })}\n`;
  }
  out += `${i}${element('published', item.publishedIso)}\n`;
  out += `${i}${element('updated', item.updatedIso)}\n`;
  for (const a of item.authors) out += person('author', a, i);
  for (const t of item.tags) out += `${i}<category term="${escapeAttr(t)}"/>\n`;
  out += `${i}<summary type="html">${escapeText(item.summaryHtml)}</summary>\n`;
  out += `${i}<content type="html">${cdata(item.openingHtml, item.contentHtml)}</content>\n`;
  out += '  </entry>\n';
  if (keep) fragments.set(item, out);
  return out;
}

export function renderAtom(site: SiteMeta, ch: Channel, selfUrl: string, history?: History): string {
  const parts: string[] = [XML_DECLARATION, '\n'];
  if (ch.stylesheet) parts.push(stylesheetInstruction(ch.stylesheet), '\n');
  let ns = history?.archive || ch.complete ? ` xmlns:fh="${HISTORY_NS}"` : '';
  if (ch.updates) ns += ` xmlns:sy="${SYNDICATION_NS}"`;
  parts.push(`<feed xmlns="${ATOM_NS}"${ns}${attrs({ 'xml:lang': site.language })}>\n`);
  // An archive page belongs to the subscription feed: same id (RFC 5005).
  parts.push(`  ${element('id', history?.current ?? selfUrl)}\n`);
  parts.push(`  ${element('title', ch.title)}\n`);
  if (ch.description) parts.push(`  ${element('subtitle', ch.description)}\n`);
  parts.push(`  ${element('updated', isoDate(ch.updated))}\n`);
  parts.push(person('author', site.author, '  '));
  parts.push(`  ${link('alternate', ch.home, { type: 'text/html' })}\n`);
  parts.push(`  ${link('self', selfUrl, { type: 'application/atom+xml' })}\n`);
  for (const hub of ch.hubs) parts.push(`  ${link('hub', hub)}\n`);
  if (history?.current) parts.push(`  ${link('current', history.current, { type: 'application/atom+xml' })}\n`);
  if (history?.prevArchive) parts.push(`  ${link('prev-archive', history.prevArchive, { type: 'application/atom+xml' })}\n`);
  if (history?.nextArchive) parts.push(`  ${link('next-archive', history.nextArchive, { type: 'application/atom+xml' })}\n`);
  if (history?.archive) parts.push('  <fh:archive/>\n');
  if (ch.complete) parts.push('  <fh:complete/>\n');
  if (ch.updates) {
    parts.push(`  <sy:updatePeriod>${ch.updates.period}</sy:updatePeriod>\n`);
    parts.push(`  <sy:updateFrequency>${ch.updates.frequency}</sy:updateFrequency>\n`);
  }
  if (site.copyright) parts.push(`  ${element('rights', site.copyright)}\n`);
  parts.push(`  <generator>broadsheet</generator>\n`);
  if (site.icon) parts.push(`  ${element('icon', site.icon)}\n`);
  if (site.logo) parts.push(`  ${element('logo', site.logo)}\n`);
  for (const item of ch.items) parts.push(atomEntry(item, !history?.archive));
  parts.push('</feed>\n');
  return parts.join('');
}
