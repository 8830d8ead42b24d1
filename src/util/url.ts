/**
 * A link resolved against a base URL, or `undefined` for a scheme readers
 * must not follow (javascript:, data:, file: …). The one place where
 * article links, image sources, front-matter URLs and config URLs become
 * absolute.
 */
export function absoluteUrl(href: string, base: string): string | undefined {
  const trimmed = href.trim();
  // A bare fragment keeps its spelling: the URL parser would percent-encode it.
  if (trimmed.startsWith('#')) return `${base.split('#')[0]}${trimmed}`;
  try {
    const u = new URL(trimmed, base);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `user:password` of a server URL (SMTP_URL, DATABASE_URL) as written,
 * up to the last `@` of the part before any `?`. Not the URL parser's
 * reading: a password with an unencoded `/` or `#` (`app:2024/winter@host`)
 * ends its authority early, and the parser then finds no password at all.
 */
export function userinfoAsWritten(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme < 0) return undefined;
  const rest = url.slice(scheme + 3).split('?')[0]!;
  const at = rest.lastIndexOf('@');
  return at < 0 ? undefined : rest.slice(0, at);
}

/** A server URL without its `user:password@` as written, for messages. */
export function withoutUserinfo(url: string): string {
  const userinfo = userinfoAsWritten(url);
  return userinfo === undefined ? url : url.replace(`${userinfo}@`, '');
}
