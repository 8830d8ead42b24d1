import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import { changedFeedUrls, pingHubs } from '../feeds/websub.js';
import type { Logger } from '../log.js';

export interface PingSummary {
  hubs: number;
  feeds: number;
  ok: number;
  failed: number;
}

/**
 * Tells the configured WebSub hubs about the feeds a build changed. Shared by
 * `build` and the scheduler's tick; a failed ping is logged, never thrown,
 * because the feeds are already written and valid.
 */
export async function pingChangedFeeds(config: Config, written: readonly string[], options: { log: Logger; signal: AbortSignal }): Promise<PingSummary | undefined> {
  const feeds = changedFeedUrls(publicUrls(config), written);
  if (config.feeds.hubs.length === 0 || feeds.length === 0) return undefined;
  const pings = await pingHubs({ hubs: config.feeds.hubs, feeds, signal: options.signal });
  for (const f of pings.failed) options.log.warn('websub ping failed', { hub: f.hub, feed: f.feed, attempts: f.attempts, error: f.error });
  return { hubs: config.feeds.hubs.length, feeds: feeds.length, ok: pings.sent.length, failed: pings.failed.length };
}
