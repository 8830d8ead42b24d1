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
