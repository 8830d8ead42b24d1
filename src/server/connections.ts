import type { IncomingMessage, Server, ServerOptions as HttpServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';

export interface ConnectionLimits {
  /** Connections open at once (server.maxConnections). */
  maxConnections: number;
  /** Time a client has to send a request's headers, and the whole request: a slow loris is cut off with 408. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** A connection silent this long (before its first request, or while a response waits on it) is closed. */
  idleTimeoutMs: number;
  /** Between requests on a kept-alive connection. */
  keepAliveTimeoutMs: number;
  /** A burst of limit hits ends after this long without one: one warning per burst, not one per connection. */
  burstQuietMs: number;
}

export const DEFAULT_LIMITS: Omit<ConnectionLimits, 'maxConnections'> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5000,
  burstQuietMs: 10_000,
};

/** After answering a request whose body it does not read, the server waits this long for the client to read the answer before it closes. */
const LINGER_MS = 2000;
/** A connection over the limit gets this long to send the request it is refused with. */
const REFUSED_WAIT_MS = 1000;
const BUSY = '503 Service Unavailable';
/** A connection idle for less than this is not closed to make room: its request may be on the way. */
const MIN_IDLE_MS = 1000;

export function httpServerOptions(limits: ConnectionLimits): HttpServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts above only this often (30 s by default).
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Counts hits of one limit: a warning when a burst starts, a summary once it has been quiet for a while. */
class Burst<K extends string> {
  private counts: Record<K, number> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kinds: readonly K[],
    private readonly quietMs: number,
    private readonly start: () => void,
    private readonly end: (counts: Record<K, number>) => void,
  ) {}

  hit(kind: K): void {
    if (!this.counts) {
      this.counts = Object.fromEntries(this.kinds.map((k) => [k, 0])) as Record<K, number>;
      this.start();
      this.timer = setTimeout(() => this.finish(), this.quietMs);
      this.timer.unref();
    } else {
      this.timer?.refresh();
    }
    this.counts[kind]++;
  }

  finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts) this.end(this.counts);
    this.counts = undefined;
  }
}

/**
 * Keeps `serve` answering under a flood of connections: at most
 * `maxConnections` are open at once (each is a file descriptor; running out
 * of them resets new connections without a word). At the limit the
 * connection idle longest is closed to make room (a keep-alive one between
 * requests, or one that has sent nothing yet); when every one is busy, the
 * newcomer's request gets a 503 with Retry-After instead.
 */
export class ConnectionGuard {
  /** Open connections and the bytes each had read when it last fell idle; the idle ones in the order they fell idle. */
  private readonly open = new Map<Socket, { inFlight: number; readAtIdle: number; idleSince: number }>();
  private readonly idle = new Set<Socket>();
  private readonly refused = new WeakSet<Socket>();
  private readonly connectionBurst: Burst<'closedIdle' | 'refused'>;
  private readonly timeoutBurst: Burst<'timedOut'>;

  constructor(
    server: Server,
    private readonly limits: ConnectionLimits,
    log: Logger,
  ) {
    server.timeout = limits.idleTimeoutMs;
    this.connectionBurst = new Burst(
      ['closedIdle', 'refused'],
      limits.burstQuietMs,
      () => log.warn('connection limit reached', { maxConnections: limits.maxConnections, note: 'idle connections are closed to make room; new ones get 503 while none is idle' }),
      (c) => log.info('connection limit burst over', c),
    );
    this.timeoutBurst = new Burst(
      ['timedOut'],
      limits.burstQuietMs,
      () => log.warn('slow requests timed out', { headersTimeoutMs: limits.headersTimeoutMs, requestTimeoutMs: limits.requestTimeoutMs }),
      (c) => log.info('slow request burst over', c),
    );
    // First, so that a refused socket is marked before the HTTP parser sees it.
    server.prependListener('connection', (socket: Socket) => this.accept(socket));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.clientError(error, socket));
    server.on('close', () => {
      this.connectionBurst.finish();
      this.timeoutBurst.finish();
    });
  }

  private accept(socket: Socket): void {
    if (this.open.size >= this.limits.maxConnections && !this.closeIdlest()) {
      this.connectionBurst.hit('refused');
      this.refused.add(socket);
      // No complete request in time: answer anyway, so that the client reads a refusal rather than a reset.
      const timer = setTimeout(() => this.closeWith(socket, BUSY), REFUSED_WAIT_MS);
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    this.open.set(socket, { inFlight: 0, readAtIdle: 0, idleSince: performance.now() });
    this.idle.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      this.idle.delete(socket);
    });
  }

  /**
   * Closes the connection idle longest; false when every open one is in the
   * middle of a request or fell idle too recently: a client that has just
   * connected may have its request on the way.
   */
  private closeIdlest(): boolean {
    const now = performance.now();
    for (const socket of this.idle) {
      const state = this.open.get(socket)!;
      // The set is in the order connections fell idle: the rest are younger still.
      if (now - state.idleSince < MIN_IDLE_MS) return false;
      // Bytes read since it fell idle: a request is arriving (perhaps slowly); the timeouts deal with it.
      if (socket.bytesRead !== state.readAtIdle) continue;
      this.idle.delete(socket);
      this.open.delete(socket);
      lingerOnClose(socket);
      socket.destroySoon();
      this.connectionBurst.hit('closedIdle');
      return true;
    }
    return false;
  }

  /**
   * Called first for every request: false when it has been answered already
   * (503 on a connection over the limit; not logged one by one, the burst
   * counts them). A request with a body closes its connection after the
   * answer, since the body may not be read to its end. Tracks which
   * connections are busy.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const socket = req.socket;
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      res.setHeader('Connection', 'close');
      lingerOnClose(socket, req);
    }
    if (this.refused.has(socket)) {
      const body = 'The server is busy; try again in a few seconds.\n';
      res.writeHead(503, { 'Retry-After': '5', Connection: 'close', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return false;
    }
    const state = this.open.get(socket);
    if (state) {
      state.inFlight++;
      this.idle.delete(socket);
      res.once('close', () => this.settled(socket));
    }
    return true;
  }

  /** A response ended: its connection is idle again once no other request is in flight on it. */
  private settled(socket: Socket): void {
    const state = this.open.get(socket);
    if (!state || --state.inFlight > 0 || socket.destroyed) return;
    state.readAtIdle = socket.bytesRead;
    state.idleSince = performance.now();
    this.idle.add(socket);
  }

  /** Node's own answer to a malformed or timed-out request (it gives it only when nobody listens), and a count of the timeouts. */
  private clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (timedOut) this.timeoutBurst.hit('timedOut');
    this.closeWith(socket, timedOut ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request');
  }

  /** A bare response on a connection no request was answered on, then a lingering close. */
  private closeWith(socket: Socket, status: string): void {
    if (socket.writable && socket.bytesWritten === 0) {
      const retry = status === BUSY ? 'Retry-After: 5\r\n' : '';
      socket.write(`HTTP/1.1 ${status}\r\n${retry}Connection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    lingerOnClose(socket);
    socket.destroySoon();
  }
}

/**
 * Node destroys a socket as soon as a `Connection: close` answer is flushed.
 * When the client is still sending a body, the kernel then answers it with a
 * reset, and a client busy writing often loses the answer it had not read yet.
 * Instead: stop reading (the body is never read to its end), send the answer
 * and a FIN, and close a moment later.
 */
function lingerOnClose(socket: Socket, req?: IncomingMessage): void {
  const close = socket.destroySoon;
  socket.destroySoon = function lingeringClose(this: Socket) {
    // A body read to its end (a form the handler took) leaves nothing to lose: close as Node
    // does. Lingering there would hold every such connection for LINGER_MS, since a paused
    // socket never reads the client's FIN, and a burst of form posts would fill the connection
    // limit with connections already answered.
    if (req?.complete) return close.call(this);
    this.pause();
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    this.once('close', () => clearTimeout(timer));
  };
}
