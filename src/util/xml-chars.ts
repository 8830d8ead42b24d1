/**
 * Characters XML 1.0 cannot carry at all, escaped or not: C0 controls other
 * than tab, LF and CR, lone surrogates, and U+FFFE/U+FFFF.
 */
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Any character that might be illegal: one class, no lookaround, so far faster on the usual clean string.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function hasXmlIllegalChars(s: string): boolean {
  if (!SUSPECT.test(s)) return false;
  ILLEGAL.lastIndex = 0;
  return ILLEGAL.test(s);
}

export function stripXmlIllegalChars(s: string): string {
  return s.replace(ILLEGAL, '');
}
