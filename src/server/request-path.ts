export type RequestPath =
  /** `pathname` is rebuilt from the segments (never `//host`), so it is safe in a Location header. */
  | { ok: true; segments: string[]; trailingSlash: boolean; pathname: string }
  | { ok: false; status: 400 | 404; reason: string };

/**
 * Splits a request target into decoded path segments, refusing anything that
 * could name a file outside the served folder: `.`/`..` segments (raw or
 * percent-encoded), encoded slashes, backslashes and NUL. Refusing is simpler
 * to trust than normalising, and no link broadsheet writes needs any of them.
 */
export function parseRequestPath(target: string): RequestPath {
  if (!target.startsWith('/')) return { ok: false, status: 400, reason: 'the request target must be a path' };
  const pathname = target.replace(/[?#].*$/s, '');
  if (/\\|%5c|%2f|%00|\0/i.test(pathname)) return { ok: false, status: 400, reason: 'encoded slashes, backslashes and NUL are refused' };
  const raw = pathname.split('/').slice(1);
  const segments: string[] = [];
  for (const part of raw) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (seg === '.' || seg === '..') return { ok: false, status: 400, reason: 'dot segments are refused' };
    if (seg === '') continue;
    // Hidden files (.git, .DS_Store) are never published.
    if (seg.startsWith('.')) return { ok: false, status: 404, reason: 'hidden file' };
    segments.push(seg);
  }
  return { ok: true, segments, trailingSlash: pathname.endsWith('/'), pathname: '/' + segments.map(encodeURIComponent).join('/') };
}
