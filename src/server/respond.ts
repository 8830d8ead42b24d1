import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { cacheControl, isCompressible } from './media.js';

export type Encoding = 'br' | 'gzip';

/** A response body that can be revalidated and compressed; compressed bytes are kept for the next request. */
export interface Representation {
  body: Buffer;
  type: string;
  /** Strong validator of the bytes, without quotes. */
  tag: string;
  lastModified?: Date;
  /** Decided once per representation, from its type and bytes. */
  cacheControl: string;
  encoded: Partial<Record<Encoding, Buffer>>;
}

/** Below this, compression costs more than it saves. */
const MIN_COMPRESS_BYTES = 512;

export function representation(body: Buffer, type: string, options: { lastModified?: Date } = {}): Representation {
  const tag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  return { body, type, tag, lastModified: options.lastModified, cacheControl: cacheControl(type, body), encoded: {} };
}

/** Bytes a cached representation holds, counting its compressed copies (made later, and smaller) as one more body. */
export function weight(rep: Representation): number {
  return rep.body.length * 2;
}

/** The encoding to use: the client's highest q-value among br and gzip, br on a tie; none when it names neither. */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const qOf = (e: Encoding) => q.get(e) ?? q.get('*') ?? 0;
  return (['br', 'gzip'] as const).reduce<Encoding | undefined>((acc, e) => (qOf(e) > (acc ? qOf(acc) : 0) ? e : acc), undefined);
}

function encode(rep: Representation, encoding: Encoding): Buffer {
  rep.encoded[encoding] ??=
    encoding === 'br'
      ? // Quality 11 is many times slower for a few percent; the output folder is small and changes often.
        brotliCompressSync(rep.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: rep.body.length } })
      : gzipSync(rep.body, { level: 6 });
  return rep.encoded[encoding];
}

function etagMatches(header: string, etag: string): boolean {
  // If-None-Match uses the weak comparison: W/ prefixes do not matter.
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

function notModified(req: IncomingMessage, etag: string, lastModified: Date | undefined): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined || lastModified === undefined) return false;
  const since = Date.parse(ims);
  // HTTP dates have whole seconds; the file's mtime has milliseconds.
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

export interface SendOptions {
  /** Serve the bytes under another media type (a variant chosen by Accept); it gets its own validator. */
  asType?: { type: string; tagSuffix: string };
  /** Request headers besides Accept-Encoding that chose this variant. */
  vary?: string[];
  headers?: Record<string, string>;
}

/**
 * Sends a representation for GET or HEAD: 304 when the client's copy is
 * current (If-None-Match first, If-Modified-Since only without it), else the
 * bytes, compressed when the client asks and the type is text.
 */
export function sendRepresentation(req: IncomingMessage, res: ServerResponse, rep: Representation, options: SendOptions = {}): void {
  const type = options.asType?.type ?? rep.type;
  const compressible = isCompressible(type) && rep.body.length >= MIN_COMPRESS_BYTES;
  const encoding = compressible ? chooseEncoding(req.headers['accept-encoding']) : undefined;
  // Each variant is a different representation, so it needs its own strong validator.
  const etag = `"${rep.tag}${options.asType?.tagSuffix ?? ''}${encoding ? `-${encoding}` : ''}"`;
  res.setHeader('ETag', etag);
  if (rep.lastModified) res.setHeader('Last-Modified', rep.lastModified.toUTCString());
  res.setHeader('Cache-Control', rep.cacheControl);
  const vary = [...(options.vary ?? []), ...(compressible ? ['Accept-Encoding'] : [])];
  if (vary.length > 0) res.setHeader('Vary', vary.join(', '));
  for (const [k, v] of Object.entries(options.headers ?? {})) res.setHeader(k, v);

  if (notModified(req, etag, rep.lastModified)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const body = encoding ? encode(rep, encoding) : rep.body;
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 301;
  res.setHeader('Location', location);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`see ${location}\n`);
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.statusCode = 405;
  res.setHeader('Allow', allow);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('method not allowed\n');
}
