import type { IncomingMessage } from 'node:http';

/** The body as text, or undefined once it passes `limit` bytes (the rest is drained, not kept). */
export async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type FormBody = { ok: true; fields: URLSearchParams } | { ok: false; status: 413 | 415 };

/**
 * An HTML form's fields. Forms post `application/x-www-form-urlencoded`
 * unless told otherwise, and broadsheet's own never are: anything else is
 * refused (415) unread; a body over `limit` bytes is refused (413).
 */
export async function readForm(req: IncomingMessage, limit: number): Promise<FormBody> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return { ok: false, status: 415 };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return { ok: false, status: 413 };
  }
  const body = await readBody(req, limit);
  return body === undefined ? { ok: false, status: 413 } : { ok: true, fields: new URLSearchParams(body) };
}
