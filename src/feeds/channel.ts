import type { Config } from '../config/load.js';
import type { FeedAuthor, FeedItem } from './item.js';
import { absolute, newestUpdate } from './item.js';
import { clean } from './xml.js';

/** What every feed of the site shares: who publishes it, in which language. */
export interface SiteMeta {
  url: string;
  title: string;
  description: string;
  language: string;
  author: FeedAuthor;
  copyright?: string;
  icon?: string;
  logo?: string;
  /** WebSub hubs, announced by the subscription feeds. */
  hubs: string[];
}

/** One feed (the site's or a tag's) before it is written in a format. */
export interface Channel {
  title: string;
  description: string;
  /** The HTML page the feed stands for. */
  home: string;
  /** Newest first. */
  items: FeedItem[];
  /** The newest item's date or update: never the build time. */
  updated: Date;
  /** Link to the XSL stylesheet, relative to the feed's own folder; none when disabled. */
  stylesheet?: string;
  /** Announced hubs (subscription feeds only; archive pages never change, so never ping). */
  hubs: string[];
}

export function siteMeta(config: Config): SiteMeta {
  const s = config.site;
  const url = s.url;
  const meta: SiteMeta = {
    url,
    title: clean(s.title),
    description: clean(s.description),
    language: s.language,
    author: { name: clean(s.author.name) },
    hubs: config.feeds.hubs.map((h) => absolute(h, url)).filter((h): h is string => h !== undefined),
  };
  if (s.author.email) meta.author.email = clean(s.author.email);
  const authorUrl = s.author.url ? absolute(s.author.url, url) : undefined;
  if (authorUrl) meta.author.url = authorUrl;
  if (s.copyright) meta.copyright = clean(s.copyright);
  const icon = s.icon ? absolute(s.icon, url) : undefined;
  if (icon) meta.icon = icon;
  const logo = s.logo ? absolute(s.logo, url) : undefined;
  if (logo) meta.logo = logo;
  return meta;
}

/** `tags/ai/` → `../../feed.xsl`: relative, so the page also works when previewed from another host. */
export function relativeToRoot(dir: string, file: string): string {
  const depth = dir.split('/').filter((p) => p !== '').length;
  return '../'.repeat(depth) + file;
}

export function channel(
  meta: SiteMeta,
  fields: { title: string; description: string; home: string; items: FeedItem[]; dir: string; stylesheet: boolean; hubs: boolean },
): Channel {
  const ch: Channel = {
    title: clean(fields.title),
    description: clean(fields.description),
    home: fields.home,
    items: fields.items,
    updated: newestUpdate(fields.items),
    hubs: fields.hubs ? meta.hubs : [],
  };
  if (fields.stylesheet) ch.stylesheet = relativeToRoot(fields.dir, STYLESHEET_FILE);
  return ch;
}

export const STYLESHEET_FILE = 'feed.xsl';
