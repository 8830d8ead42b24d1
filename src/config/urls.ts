import path from 'node:path';
import type { Problem } from '../errors.js';
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
  /**
   * The issue archive's index, and one issue: the "view in browser" page.
   * Static files under `issues/` (a build writes them), so on the site.
   */
  issues: string;
  issue(number: number): string;
  /**
   * The unsubscribe page without a token (explains where to find one), and a
   * subscriber's own link: endpoints, which only `broadsheet serve` answers.
   */
  unsubscribePage: string;
  unsubscribe(token: string): string;
  /** The subscribe page, and the action of every subscribe form (the server's page and the snippet for other sites): an endpoint. */
  subscribe: string;
  /** A confirmation link, as mailed to an address that asked to join: an endpoint. */
  confirm(token: string): string;
  /** The manage page without a token (explains where to find one), and a subscriber's own link: endpoints. */
  managePage: string;
  manage(token: string): string;
}

/** What the public URLs derive from; `server` may be absent where only the site's files matter. */
export type UrlSettings = Pick<Config, 'site'> & { server?: Pick<Config['server'], 'publicUrl'> };

/**
 * The base URL of everything `broadsheet serve` must answer (a form, a
 * token): `server.publicUrl` when set, because the site may be on a static
 * host that cannot, else `site.url`. Every endpoint URL goes through here.
 */
function endpointBase(config: UrlSettings): string {
  return config.server?.publicUrl ?? config.site.url;
}

/** A path under a base URL, each segment encoded: `#` or `?` in a file name must not become a fragment or a query. */
const under = (base: string) => (p: string) => new URL(p.split('/').map(encodeURIComponent).join('/'), base).href;

/** The public URLs of a site: its files from `site.url`, its endpoints from endpointBase. */
export function publicUrls(config: UrlSettings): PublicUrls {
  const home = config.site.url;
  const file = under(home);
  const endpoint = under(endpointBase(config));
  return {
    home,
    file,
    feeds: Object.fromEntries(FEED_FORMATS.map((f) => [f.key, file(f.file)])) as Record<FeedFormatKey, string>,
    issues: file('issues/'),
    issue: (n) => file(`issues/${n}/`),
    unsubscribePage: endpoint('unsubscribe/'),
    unsubscribe: (token) => endpoint(`unsubscribe/${token}`),
    subscribe: endpoint('subscribe/'),
    confirm: (token) => endpoint(`confirm/${token}`),
    managePage: endpoint('manage/'),
    manage: (token) => endpoint(`manage/${token}`),
  };
}

/**
 * The digest's links that nothing may answer. Its files (feeds, the issue
 * archive) are static, so any host serves them; its unsubscribe and manage
 * links (and the subscribe form) are endpoints only `broadsheet serve` answers. Without `server.publicUrl` they
 * point at `site.url`: fine when serve serves the site, 404 on a static host.
 * broadsheet cannot tell which, so it asks for the setting to be explicit.
 */
export function unservedLinkWarnings(config: Config): Problem[] {
  if (!config.digest.enabled || config.server.publicUrl !== undefined) return [];
  const file = path.relative(config.paths.root, config.file).split(path.sep).join('/') || config.file;
  return [
    {
      file,
      field: 'server.publicUrl',
      message:
        `is not set, so the digest's unsubscribe and manage links and the subscribe form point at ${config.site.url}, where only broadsheet serve answers them; ` +
        'on a static host set server.publicUrl to the address where serve runs, or to site.url if serve serves the whole site',
    },
  ];
}
