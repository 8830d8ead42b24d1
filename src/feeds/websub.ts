import { runPool } from '../util/pool.js';
import { sleep } from '../util/sleep.js';
import { FEED_FORMATS } from '../config/feed-formats.js';
import type { PublicUrls } from '../config/urls.js';

/**
 * WebSub publishing: after a build, tell each hub which subscription feeds
 * changed, so subscribers get the new entries pushed instead of polling.
 * A ping is a form POST `hub.mode=publish&hub.url=<feed>`, one per hub and
 * changed feed. Network errors, timeouts, 408, 429 and 5xx answers are
 * retried with exponential backoff; a ping that still fails is reported,
 * never thrown: the feeds are already written and valid.
 */

const FEED_FILE = new RegExp(`^(?:tags/[a-z0-9-]+/)?(?:${FEED_FORMATS.map((f) => f.file.replace('.', '\\.')).join('|')})$`);

/** Absolute URLs of the subscription feeds (main and tags, not archive pages) among the written paths. */
export function changedFeedUrls(urls: PublicUrls, written: readonly string[]): string[] {
  return written
    .filter((p) => FEED_FILE.test(p))
    .sort()
    .map((p) => urls.file(p));
}

export interface PingOptions {
  hubs: readonly string[];
  feeds: readonly string[];
  /** Attempts per ping, the first included. */
  attempts?: number;
  /** Wait before the first retry; doubles after each. */
  backoffMs?: number;
  timeoutMs?: number;
  /** Pings in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface Ping {
  hub: string;
  feed: string;
  attempts: number;
}

export interface PingReport {
  sent: (Ping & { status: number })[];
  failed: (Ping & { error: string })[];
}

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

async function pingOnce(hub: string, feed: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<number> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(hub, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': feed }).toString(),
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    redirect: 'follow',
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

async function ping(hub: string, feed: string, o: Required<Omit<PingOptions, 'signal' | 'hubs' | 'feeds'>>, signal: AbortSignal | undefined) {
  let error = '';
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (attempt > 1) await sleep(o.backoffMs * 2 ** (attempt - 2), signal);
    if (signal?.aborted) return { ok: false as const, attempts: attempt - 1, error: 'cancelled' };
    try {
      const status = await pingOnce(hub, feed, o.timeoutMs, signal);
      if (status >= 200 && status < 300) return { ok: true as const, attempts: attempt, status };
      error = `HTTP ${status}`;
      if (!RETRYABLE(status)) return { ok: false as const, attempts: attempt, error };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      error = cause?.code ?? (e as Error).message;
    }
  }
  return { ok: false as const, attempts: o.attempts, error };
}

export async function pingHubs(options: PingOptions): Promise<PingReport> {
  const o = {
    attempts: options.attempts ?? 3,
    backoffMs: options.backoffMs ?? 1000,
    timeoutMs: options.timeoutMs ?? 10_000,
    concurrency: options.concurrency ?? 4,
  };
  const jobs = options.hubs.flatMap((hub) => options.feeds.map((feed) => ({ hub, feed })));
  const results = await runPool(jobs, o.concurrency, (job) => ping(job.hub, job.feed, o, options.signal));
  const report: PingReport = { sent: [], failed: [] };
  results.forEach((r, i) => {
    const { hub, feed } = jobs[i]!;
    if (!r) return;
    if (r.ok) report.sent.push({ hub, feed, attempts: r.attempts, status: r.status });
    else report.failed.push({ hub, feed, attempts: r.attempts, error: r.error });
  });
  return report;
}
