import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import type { Entry } from '../content/model.js';
import { opening } from '../content/opening.js';
import { htmlToText, leadParagraphs } from '../content/html-text.js';
import { stripMarks } from './placeholders.js';

/**
 * What the digest templates see. Strings are plain text (the HTML template
 * escapes them) except `lead.paragraphs[].html`, which is sanitised HTML.
 * Absent values are `null`, never missing, because templates compile in
 * strict mode and a misspelt field must be an error.
 */
export interface DigestView {
  site: SiteView;
  number: number;
  /** "Issue 12 · 29 August 2025". */
  dateline: string;
  subject: string;
  preheader: string;
  lead: {
    title: string;
    /** Always the article's description (what `digest.preheader` uses by default). */
    description: string;
    /** The description as the standfirst under the headline; null when the body's first paragraph already says it. */
    standfirst: string | null;
    url: string;
    date: string;
    authors: string;
    /** The lead image; null when there is none, or when the body starts with it. */
    image: { url: string; alt: string; caption: string | null } | null;
    paragraphs: { html: string; text: string }[];
  };
  cards: { title: string; description: string; url: string; date: string }[];
  /** The editor's note, shown at the top: sanitised HTML, and its Markdown as the text part. */
  note: { html: string; text: string } | null;
  /** Other new stories that did not fit as cards: compact links (digest.overflow: also-new). */
  alsoNew: { title: string; url: string; date: string }[];
  feeds: { rss: string; atom: string; json: string };
}

/** The site as every mail's templates see it. */
export interface SiteView {
  title: string;
  url: string;
  description: string;
  language: string;
  logo: string | null;
  copyright: string | null;
  /** `site.postalAddress`, for the footer; null until configured (a real send requires it). */
  postalAddress: string | null;
}

export function siteView(config: Config): SiteView {
  const site = config.site;
  return {
    title: stripMarks(site.title),
    url: site.url,
    description: stripMarks(site.description),
    language: site.language,
    logo: site.logo === undefined ? null : stripMarks(site.logo),
    copyright: site.copyright === undefined ? null : stripMarks(site.copyright),
    postalAddress: site.postalAddress === undefined ? null : stripMarks(site.postalAddress),
  };
}

/** What one issue carries, as decided by pipeline/next-issue.ts. */
export interface DigestContent {
  number: number;
  lead: Entry;
  /** Teasers and other stories shown as cards, in order. */
  cards: Entry[];
  /** New stories beyond digest.maxTeasers, listed as links. */
  alsoNew: Entry[];
  /** The editor's note for this issue, if there is one. */
  note?: { html: string; text: string };
}

// One formatter per language and zone: making one costs about 0.2 ms and holds ICU data, and a
// send formats a date for every recipient (the reason line).
const formats = new Map<string, Intl.DateTimeFormat>();

export function formatDate(config: Config, date: Date): string {
  const key = `${config.site.language}\0${config.schedule.timezone}`;
  try {
    let format = formats.get(key);
    if (!format) {
      format = new Intl.DateTimeFormat(config.site.language, { dateStyle: 'long', timeZone: config.schedule.timezone });
      formats.set(key, format);
    }
    return format.format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}

/** The view without subject and preheader, which are themselves rendered from it. */
export function digestView(config: Config, content: DigestContent): DigestView {
  const { lead } = content;
  const open = opening(lead);
  const date = formatDate(config, lead.date);
  const paragraphs = leadParagraphs(lead.html, config.digest.leadParagraphs).map((html) => ({ html: stripMarks(html), text: stripMarks(htmlToText(html)) }));
  return {
    site: siteView(config),
    number: content.number,
    dateline: `Issue ${content.number} · ${date}`,
    subject: '',
    preheader: '',
    lead: {
      title: stripMarks(lead.title),
      description: stripMarks(lead.description),
      standfirst: open.standfirst === undefined ? null : stripMarks(open.standfirst),
      url: lead.url,
      date,
      authors: stripMarks(lead.authors.map((a) => a.name).join(', ')),
      image: open.image ? { url: open.image.url, alt: stripMarks(open.image.alt), caption: open.image.caption === undefined ? null : stripMarks(open.image.caption) } : null,
      paragraphs,
    },
    cards: content.cards.map((card) => ({
      title: stripMarks(card.title),
      description: stripMarks(card.description),
      url: card.url,
      date: formatDate(config, card.date),
    })),
    note: content.note ? { html: stripMarks(content.note.html), text: stripMarks(content.note.text) } : null,
    alsoNew: content.alsoNew.map((e) => ({ title: stripMarks(e.title), url: e.url, date: formatDate(config, e.date) })),
    feeds: { ...publicUrls(config).feeds },
  };
}
