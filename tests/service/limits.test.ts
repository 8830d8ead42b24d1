import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { createUnsubscribeToken } from '../../src/delivery/tokens.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { startServe } from '../helpers/child.js';
import { http } from '../helpers/http.js';
import { CLOCK, makeProject, NOW, SECRET, type Project } from '../helpers/project.js';

/*
 * issue 9, defect 5: `serve` under a flood of connections, slow requests and
 * large bodies, over real sockets.
 */

const RSS = '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Limits</title></channel></rss>\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection that records what it receives and how it ended: a clean close (FIN) or a reset. */
interface Probe {
  socket: Socket;
  connected: Promise<void>;
  received: () => string;
  ended: Promise<'closed' | 'reset'>;
}

function probe(base: string, send?: string): Probe {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname, () => (send ? socket.write(send) : undefined));
  let data = '';
  let reset = false;
  socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
  socket.on('error', (e: NodeJS.ErrnoException) => (reset = e.code === 'ECONNRESET' || reset));
  const ended = new Promise<'closed' | 'reset'>((resolve) => socket.on('close', () => resolve(reset ? 'reset' : 'closed')));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, connected, received: () => data, ended };
}

describe('serve with server.maxConnections: 20', () => {
  let project: Project;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let base: string;

  beforeAll(async () => {
    project = makeProject({ articles: 'none', config: (c) => (c.server = { ...c.server, maxConnections: 20 }) });
    project.write('output/rss.xml', RSS);
    serve = await startServe(project.dir, { BROADSHEET_SECRET: SECRET });
    base = serve.base;
  });

  afterAll(async () => {
    await serve.stop();
    project.cleanup();
  });

  it('with 40 idle connections open, a request is still answered; the ones over the limit get a 503, never a reset; one warning', async () => {
    const idle = Array.from({ length: 40 }, () => probe(base));
    // Connections younger than a second are never closed to make room: their request may be on the way.
    await Promise.all(idle.map((p) => p.connected));
    await sleep(1300);
    const answered = await http(base, '/rss.xml');
    expect(answered.status).toBe(200);
    expect(answered.text).toBe(RSS);

    for (const p of idle) p.socket.end();
    const endings = await Promise.all(idle.map((p) => p.ended));
    expect(endings.filter((e) => e === 'reset')).toEqual([]);
    // The 20 over the limit sent nothing; after a second they were told, in HTTP, to come back later.
    const refused = idle.filter((p) => p.received().startsWith('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n'));
    expect(refused).toHaveLength(20);
    const limitEvents = serve.cli.events.filter((e) => e.event === 'connection limit reached');
    expect(limitEvents).toEqual([expect.objectContaining({ level: 'warn', maxConnections: 20 })]);
  });

  it('when every connection is busy with a request still arriving, a new request gets 503 with Retry-After', async () => {
    const slow = Array.from({ length: 20 }, () => probe(base, 'GET /rss.xml HTTP/1.1\r\nHost: example\r\n'));
    await Promise.all(slow.map((p) => p.connected));
    await sleep(1300);
    const r = await http(base, '/rss.xml');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(r.headers.connection).toBe('close');
    for (const p of slow) p.socket.destroy();
    // Still one warning: the second flood came within the same burst.
    expect(serve.cli.events.filter((e) => e.event === 'connection limit reached')).toHaveLength(1);
  });

  it('forms read to their end do not hold their connections: 60 one-click unsubscribes in a row over keep-alive, none refused', async () => {
    // A POST closes its connection after the answer. One whose body was read to its end closes
    // at once: before, each lingered two seconds and 20 of them filled the limit.
    // The connections of the test before are closed by then, once the server has seen them go.
    await expect.poll(async () => (await http(base, '/rss.xml')).status, { timeout: 10_000 }).toBe(200);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const token = createUnsubscribeToken(SECRET, 'reader@example.com');
    const post = () =>
      new Promise<number>((resolve, reject) => {
        const body = 'List-Unsubscribe=One-Click';
        const req = request(new URL(`/unsubscribe/${token}`, base), { method: 'POST', agent, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end(body);
      });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push(await post());
    agent.destroy();
    expect(statuses).toEqual(Array(60).fill(200));
  });
});

describe('serve with short timeouts (in process)', () => {
  let project: Project;
  let store: Store;
  let server: RunningServer;
  const lines: string[] = [];

  beforeAll(async () => {
    project = makeProject({ articles: 'none' });
    project.write('output/rss.xml', RSS);
    const config = await project.loadConfig();
    store = await openStore(config.paths.data);
    await store.addSubscribers([{ email: 'reader@example.com' }], new Date(NOW), { resubscribe: false });
    const log = createLogger({ format: 'json', clock: CLOCK, write: (l) => lines.push(l) });
    server = await startServer({ config, clock: CLOCK, log, store, secret: SECRET, host: '127.0.0.1', port: 0, limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 2000, burstQuietMs: 300 } });
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    project?.cleanup();
  });

  it('cuts off a slow-loris request with 408 once the headers take too long, and keeps serving others', async () => {
    const loris = probe(server.url, 'GET /rss.xml HTTP/1.1\r\nHost: example\r\n');
    const drip = setInterval(() => loris.socket.writable && loris.socket.write('X'), 50);
    try {
      expect(await http(server.url, '/rss.xml').then((r) => r.status)).toBe(200);
      const ending = await Promise.race([loris.ended, sleep(5000).then(() => 'still open')]);
      expect(ending).toBe('closed');
      expect(loris.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      clearInterval(drip);
      loris.socket.destroy();
    }
    expect(lines.filter((l) => JSON.parse(l).event === 'slow requests timed out')).toHaveLength(1);
    // Quiet for burstQuietMs: one summary with the count.
    await vi.waitFor(() => expect(lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'slow request burst over')).toEqual([expect.objectContaining({ level: 'info', timedOut: 1 })]), { timeout: 3000 });
  });

  it('cuts off a request whose body dribbles in past the request timeout with 408', async () => {
    const token = createUnsubscribeToken(SECRET, 'reader@example.com');
    const slow = probe(server.url, `POST /unsubscribe/${token} HTTP/1.1\r\nHost: example\r\nContent-Type: text/plain\r\nContent-Length: 4000\r\n\r\nList-`);
    const drip = setInterval(() => slow.socket.writable && slow.socket.write('x'), 50);
    try {
      expect(await Promise.race([slow.ended, sleep(5000).then(() => 'still open')])).toBe('closed');
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      clearInterval(drip);
    }
    expect((await store.getSubscriber('reader@example.com'))?.status).toBe('subscribed');
  });

  it('answers a connection that never sends its request with 408 once the headers timeout passes', async () => {
    const silent = probe(server.url);
    const started = performance.now();
    expect(await Promise.race([silent.ended, sleep(5000).then(() => 'still open')])).toBe('closed');
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  /** Streams a body of 1 GB (declared, or chunked) until the server answers and closes; never reads it all. */
  function bigPost(target: string, chunked: boolean): Promise<{ status: number | undefined; sent: number }> {
    const url = new URL(server.url);
    return new Promise((resolve) => {
      let status: number | undefined;
      let sent = 0;
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: target, agent: false, headers: chunked ? {} : { 'Content-Length': String(1e9) } }, (res) => {
        status = res.statusCode;
        res.resume();
      });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (sent < 1e9 && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      req.on('error', () => undefined);
      req.on('close', () => resolve({ status, sent }));
      pump();
    });
  }

  it.each([
    ['/rss.xml', 405],
    ['/healthz', 405],
    ['/issues/', 405],
    ['/nothing-here', 405],
    ['/unsubscribe/', 405],
    ['/unsubscribe/forged', 400],
    ['/subscribe/', 503],
    ['/confirm/forged', 400],
    ['/manage/forged', 400],
    ['unsubscribe-token', 413],
  ])('answers a 1 GB POST to %s and closes without reading it (413 when declared, %i when chunked)', async (target, chunkedStatus) => {
    const where = target === 'unsubscribe-token' ? `/unsubscribe/${createUnsubscribeToken(SECRET, 'reader@example.com')}` : target;
    const declared = await bigPost(where, false);
    expect(declared.status).toBe(413);
    const chunked = await bigPost(where, true);
    expect(chunked.status).toBe(chunkedStatus);
    // What the kernel buffers on the way, at most: nowhere near the gigabyte.
    for (const r of [declared, chunked]) expect(r.sent).toBeLessThan(64 * 1024 * 1024);
    expect((await store.getSubscriber('reader@example.com'))?.status).toBe('subscribed');
  });

  it('still takes a one-click unsubscribe, whose body is small', async () => {
    const token = createUnsubscribeToken(SECRET, 'reader@example.com');
    const r = await http(server.url, `/unsubscribe/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(r.status).toBe(200);
    expect((await store.getSubscriber('reader@example.com'))?.status).toBe('unsubscribed');
  });
});
