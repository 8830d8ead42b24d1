import type { IncomingMessage } from 'node:http';

/**
 * The largest body any route reads (a one-click unsubscribe or a form is a
 * few dozen bytes): a larger declared Content-Length gets 413 before a byte is
 * read. A body a route does not read to its end is never drained: the
 * connection closes after the answer (server/connections.ts).
 */
export const MAX_BODY_BYTES = 8 * 1024;

/** The body as text, or undefined once it passes `limit` bytes: reading stops there. */
export function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

export type FormBody = { ok: true; fields: URLSearchParams } | { ok: false; status: 413 | 415 };

/**
 * An HTML form's fields. Forms post `application/x-www-form-urlencoded`
 * unless told otherwise, and broadsheet's own never are: anything else is
 * refused (415) unread; a body over `limit` bytes is refused (413).
 */
export async function readForm(req: IncomingMessage, limit: number): Promise<FormBody> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return { ok: false, status: 415 };
  if (Number(req.headers['content-length'] ?? 0) > limit) return { ok: false, status: 413 };
  const body = await readBody(req, limit);
  return body === undefined ? { ok: false, status: 413 } : { ok: true, fields: new URLSearchParams(body) };
}
