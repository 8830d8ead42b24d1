import { FEED_FORMATS, type FeedFormatKey } from './feed-formats.js';
import type { Config } from './load.js';


/** Where the site's public pages and endpoints are. Every absolute URL broadsheet writes that is not an article's comes from here. */
export interface PublicUrls {
  /** The site's home page (`site.url`, with a trailing slash). */
  home: string;
  /**
   * A file of the output folder, by its path there (`rss.xml`, `tags/ai/atom.xml`,
   * `archive/3.xml`). A file name is not a URL: `#` or `?` in it must not
   * become a fragment or a query, so each segment is encoded.
   */
  file(path: string): string;
  /** The site's subscription feeds, one URL per format. */
  feeds: Record<FeedFormatKey, string>;
  /** The issue archive's index, and one issue: the "view in browser" page. */
  issues: string;
  issue(number: number): string;
  /** The unsubscribe page without a token (explains where to find one), and a subscriber's own link. */
  unsubscribePage: string;
  unsubscribe(token: string): string;
  /** The subscribe page, and the action of every subscribe form (the server's page and the snippet for other sites). */
  subscribe: string;
  /** A confirmation link, as mailed to an address that asked to join. */
  confirm(token: string): string;
  /** The manage page without a token (explains where to find one), and a subscriber's own link. */
  managePage: string;
  manage(token: string): string;
}

/** The public URLs of a site, all derived from `site.url`. */
export function publicUrls(config: Pick<Config, 'site'>): PublicUrls {
  const home = config.site.url;
  const file = (p: string) => new URL(p.split('/').map(encodeURIComponent).join('/'), home).href;
  return {
    home,
    file,
    feeds: Object.fromEntries(FEED_FORMATS.map((f) => [f.key, file(f.file)])) as Record<FeedFormatKey, string>,
    issues: file('issues/'),
    issue: (n) => file(`issues/${n}/`),
    unsubscribePage: file('unsubscribe/'),
    unsubscribe: (token) => file(`unsubscribe/${token}`),
    subscribe: file('subscribe/'),
    confirm: (token) => file(`confirm/${token}`),
    managePage: file('manage/'),
    manage: (token) => file(`manage/${token}`),
  };
}
