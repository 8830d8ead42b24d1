import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';

/** Clients remembered at once; the least recently seen are forgotten first, so a flood of addresses cannot grow memory. */
const MAX_CLIENTS = 10_000;

/**
 * A token bucket per client: `perMinute` requests, refilled evenly over a
 * minute, so a client may burst up to `perMinute` and then goes at that pace.
 * Time comes from the injected clock.
 */
export class ClientRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  /** True when the client may make one more request now (and counts it). */
  take(client: string): boolean {
    const now = this.clock.now().getTime();
    const b = this.buckets.get(client) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) * this.perMinute) / 60_000);
    b.at = now;
    this.buckets.delete(client);
    this.buckets.set(client, b);
    if (this.buckets.size > MAX_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * Who a request comes from: the peer's address, or behind a reverse proxy
 * (`server.trustProxy`) the address the proxy appended last to
 * X-Forwarded-For; earlier entries are the client's own claims.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').map((s) => s.trim()).filter(Boolean).pop();
  return last ?? peer;
}
