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
