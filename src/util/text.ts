/** Text helpers every stage shares: header-safe lines, HTML escaping, masked addresses, invisible characters made visible. */

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const BREAKS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g;

/**
 * One line of text: every control character (CR, LF, tab, NUL …) and line or
 * paragraph separator becomes a space, runs of white space collapse, and the
 * ends are trimmed. Header values and recipient values go through this, so a
 * name or subject can never start a new header or a new line of a text part.
 */
export function oneLine(value: string): string {
  return value.replace(BREAKS, ' ').replace(/\s{2,}/g, ' ').trim();
}

const HTML_SPECIAL = /[&<>"']/;

/** Plain text made safe as HTML, in element content or in a quoted attribute value. */
export function escapeHtml(s: string): string {
  if (!HTML_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** `reader@example.com` → `r***@example.com`: enough to recognise, not enough to harvest from a log. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

const EMAIL_IN_TEXT = /[A-Za-z0-9._%+'!#$&*=?^`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

/** Every email address in a text, masked. */
export function maskEmails(text: string): string {
  return text.includes('@') ? text.replace(EMAIL_IN_TEXT, maskEmail) : text;
}

// Controls (C0, DEL, C1), format characters (soft hyphen, zero-width space,
// bidirectional overrides), private-use and unassigned code points, lone
// surrogates, and the line and paragraph separators: a terminal or a log
// viewer acts on them (ESC sequences, NUL, a line that reads backwards), and a
// person cannot see them in a message.
const INVISIBLE = /[\p{C}\p{Zl}\p{Zp}]/gu;
const HAS_INVISIBLE = /[\p{C}\p{Zl}\p{Zp}]/u;

export function hasInvisible(s: string): boolean {
  return HAS_INVISIBLE.test(s);
}

/**
 * The text with every invisible character written as `\uXXXX` (one escape per
 * UTF-16 unit, so the result is also a valid escape inside a JSON string).
 */
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
