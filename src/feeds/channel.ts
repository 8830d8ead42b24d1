import { cronCadence, YEAR_DAYS } from '../config/cron.js';
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
  /** How often the feeds change, from `schedule.cron`; none for a schedule that never runs. */
  updates?: UpdateHints;
}

export const SYNDICATION_NS = 'http://purl.org/rss/1.0/modules/syndication/';

/** RSS `ttl` and the Syndication module's `sy:updatePeriod` and `sy:updateFrequency`. */
export interface UpdateHints {
  /** Minutes a reader may keep the feed before fetching it again: the shortest time between two runs. */
  ttl: number;
  period: 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  /** Runs per period, at least 1. */
  frequency: number;
}

/** The update hints of a schedule: the largest period it runs at least once in, and how often in it. */
export function updateHints(cron: string): UpdateHints | undefined {
  const { runsPerYear: runs, shortestGap } = cronCadence(cron);
  if (runs === 0) return undefined;
  const ttl = Number.isFinite(shortestGap) ? Math.max(1, Math.floor(shortestGap / 60)) : YEAR_DAYS * 1440;
  const per = (periods: number) => Math.max(1, Math.round(runs / periods));
  if (runs >= YEAR_DAYS * 24) return { ttl, period: 'hourly', frequency: per(YEAR_DAYS * 24) };
  if (runs >= YEAR_DAYS) return { ttl, period: 'daily', frequency: per(YEAR_DAYS) };
  if (runs >= 52) return { ttl, period: 'weekly', frequency: per(52) };
  if (runs >= 12) return { ttl, period: 'monthly', frequency: per(12) };
  return { ttl, period: 'yearly', frequency: runs };
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
  /** Update hints (subscription feeds only). */
  updates?: UpdateHints;
  /** True when the document holds every entry the feed ever had (RFC 5005 `fh:complete`). */
  complete: boolean;
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
  const updates = updateHints(config.schedule.cron);
  if (updates) meta.updates = updates;
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
  fields: { title: string; description: string; home: string; items: FeedItem[]; dir: string; stylesheet: boolean; subscription: boolean; complete?: boolean },
): Channel {
  const ch: Channel = {
    title: clean(fields.title),
    description: clean(fields.description),
    home: fields.home,
    items: fields.items,
    updated: newestUpdate(fields.items),
    hubs: fields.subscription ? meta.hubs : [],
    complete: fields.complete ?? false,
  };
  if (fields.subscription && meta.updates) ch.updates = meta.updates;
  if (fields.stylesheet) ch.stylesheet = relativeToRoot(fields.dir, STYLESHEET_FILE);
  return ch;
}

export const STYLESHEET_FILE = 'feed.xsl';
