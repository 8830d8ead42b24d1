import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OUTBOX_DIR } from '../delivery/outbox.js';
import { BroadsheetError } from '../errors.js';
import { MAX_BODY_BYTES } from './body.js';
import { ConnectionGuard, DEFAULT_LIMITS, httpServerOptions, type ConnectionLimits } from './connections.js';
import type { ServerContext } from './context.js';
import { IssueArchive } from './issues.js';
import { XML, xmlFeedVariant } from './media.js';
import { NOT_FOUND, pageSender } from './pages.js';
import { parseRequestPath, type RequestPath } from './request-path.js';
import { methodNotAllowed, redirect, sendRepresentation } from './respond.js';
import { StaticFiles } from './static.js';
import { handleUnsubscribe } from './unsubscribe.js';
import { handleConfirm } from './confirm.js';
import { handleManage } from './manage.js';
import { ClientRateLimit } from './rate-limit.js';
import { handleSubscribe } from './subscribe.js';
import type { ConfirmationMailer } from '../list/mailer.js';

export interface ServerOptions extends Omit<ServerContext, 'page' | 'subscribe'> {
  host: string;
  port: number;
  /** Timeouts (DEFAULT_LIMITS unless given; tests shorten them). The connection cap is server.maxConnections. */
  limits?: Partial<Omit<ConnectionLimits, 'maxConnections'>>;
  /** Sends the subscribe form's confirmation mails; without it (no SMTP_URL), POST /subscribe/ answers 503. */
  mailer?: ConfirmationMailer | undefined;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080/`, with the port actually bound. */
  url: string;
  /** Stops accepting connections and waits (briefly) for requests in flight. */
  close(): Promise<void>;
}

/** Requests still open this long after close() are cut, so shutdown stays bounded. */
const CLOSE_GRACE_MS = 3000;

/** The routes whose next segment is a token: a credential. */
const TOKEN_ROUTES = ['unsubscribe', 'confirm', 'manage'];

/**
 * The request path as a log line shows it. Unsubscribe, confirm and manage
 * tokens are credentials: masked wherever the router would find them (`//`,
 * any case, percent-encoded), and in refused targets too. Control characters
 * are left to the logger, which escapes them.
 */
export function loggablePath(target: string, parsed: RequestPath = parseRequestPath(target)): string {
  if (parsed.ok) {
    const first = parsed.segments[0]?.toLowerCase();
    if (first !== undefined && TOKEN_ROUTES.includes(first) && parsed.segments.length > 1) return `/${first}/[token]`;
    return parsed.pathname + (parsed.trailingSlash && parsed.segments.length > 0 ? '/' : '');
  }
  // Refused targets (malformed escapes, `..`, backslashes) are logged as sent, decoded where they can be, tokens cut off.
  const decoded = target.replace(/[?#].*$/s, '').replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return decoded.replace(/[/\\](unsubscribe|confirm|manage)[/\\].*$/is, (_, route: string) => `/${route.toLowerCase()}/[token]`);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config, log } = opts;
  const files = new StaticFiles(config.paths.output);
  const page = pageSender(config);
  const { mailer, limits: tuning, ...shared } = opts;
  const subscribe = mailer && opts.secret ? { mailer, limit: new ClientRateLimit(config.list.rateLimit, opts.clock) } : undefined;
  const ctx: ServerContext = { ...shared, page, subscribe };
  const archive = new IssueArchive(ctx);
  const notFound = (res: ServerResponse) => page(res, 404, 'Not found', NOT_FOUND);

  const route = async (req: IncomingMessage, res: ServerResponse, parsed: RequestPath): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Refused before any route reads a byte of it.
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return page(res, 413, 'Request too large', '<p>The request body is too large.</p>');
    if (!parsed.ok) return parsed.status === 400 ? page(res, 400, 'Bad request', '<p>This address is not allowed.</p>') : notFound(res);
    const [first, ...rest] = parsed.segments;
    if (first === 'healthz' && rest.length === 0) return health(req, res, files);
    if (first === 'unsubscribe') return handleUnsubscribe(ctx, req, res, rest);
    if (first === 'subscribe') return handleSubscribe(ctx, req, res, rest);
    if (first === 'confirm') return handleConfirm(ctx, req, res, rest);
    if (first === 'manage') return handleManage(ctx, req, res, rest);
    if (first === 'issues') return archive.handle(req, res, rest, parsed.trailingSlash, parsed.pathname);

    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    // Messages written without SMTP hold every subscriber's address and unsubscribe token.
    // Compared without case: on a case-insensitive file system /OUTBOX/ is the same folder.
    if (first?.toLowerCase() === OUTBOX_DIR) return notFound(res);
    const found = await files.lookup(parsed.segments, parsed.trailingSlash, parsed.pathname);
    if (found.kind === 'redirect') return redirect(res, found.location);
    if (found.kind === 'missing') return notFound(res);
    const feed = xmlFeedVariant(found.rep.type, req.headers.accept);
    if (!feed) return sendRepresentation(req, res, found.rep);
    sendRepresentation(req, res, found.rep, { vary: ['Accept'], ...(feed.forBrowser ? { asType: { type: XML, tagSuffix: '-xml' } } : {}) });
  };

  const limits: ConnectionLimits = { ...DEFAULT_LIMITS, ...tuning, maxConnections: config.server.maxConnections };
  const server = createServer(httpServerOptions(limits));
  const guard = new ConnectionGuard(server, limits, log);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!guard.admit(req, res)) return;
    const target = req.url ?? '/';
    const parsed = parseRequestPath(target);
    res.on('finish', () => {
      log.info('request', { method: req.method, path: loggablePath(target, parsed), status: res.statusCode, bytes: Number(res.getHeader('Content-Length') ?? 0) });
    });
    route(req, res, parsed).catch((error: unknown) => {
      log.error('request failed', { method: req.method, path: loggablePath(target, parsed), error: (error as Error)?.message ?? String(error) });
      if (!res.headersSent) page(res, 500, 'Server error', '<p>Something went wrong on our side.</p>');
      else res.destroy();
    });
  };
  server.on('request', handle);
  // `Expect: 100-continue`: invite only a body some route could read; Node would invite any.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) <= MAX_BODY_BYTES) res.writeContinue();
    handle(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    const refused = (cause: NodeJS.ErrnoException) => {
      const why = cause.code === 'EADDRINUSE' ? 'the port is in use' : cause.code === 'EACCES' ? 'permission denied' : cause.message;
      reject(new BroadsheetError('LISTEN_FAILED', `cannot listen on ${opts.host}:${opts.port}: ${why}; choose another with --port or server.port`, { cause }));
    };
    server.once('error', refused);
    server.listen(opts.port, opts.host, () => {
      server.off('error', refused);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;
  log.info('listening', { url, output: config.paths.output });

  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

async function health(req: IncomingMessage, res: ServerResponse, files: StaticFiles): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
  const output = await files.exists();
  const body = Buffer.from(JSON.stringify(output ? { status: 'ok' } : { status: 'unavailable', reason: 'the output folder does not exist; run broadsheet build' }) + '\n');
  res.statusCode = output ? 200 : 503;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(req.method === 'HEAD' ? undefined : body);
}
