/**
 * Characters no feed may carry: those XML 1.0 cannot carry at all, escaped or
 * not (C0 controls other than tab, LF and CR, lone surrogates, U+FFFE/U+FFFF),
 * and DEL and the C1 controls (U+007F–U+009F), which XML 1.0 allows but
 * "discourages" and the W3C feed validator rejects: in text they are almost
 * always Windows-1252 bytes decoded as Latin-1, and never meant.
 */
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Any character that might be illegal: one class, no lookaround, so far faster on the usual clean string.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function hasXmlIllegalChars(s: string): boolean {
  if (!SUSPECT.test(s)) return false;
  ILLEGAL.lastIndex = 0;
  return ILLEGAL.test(s);
}

export function stripXmlIllegalChars(s: string): string {
  return s.replace(ILLEGAL, '');
}
