/**
 * Quoted-printable (RFC 2045 §6.7), line by line: each line of the text is
 * encoded on its own and ends with CRLF, so a line that is the same for
 * every recipient is encoded once per issue (see `encodedPersonalizer`).
 * Encoded lines are at most 76 characters; a soft break never splits an
 * `=XX` or a UTF-8 character.
 */

const HEX = '0123456789ABCDEF';
const MAX = 76;

function encodedChar(ch: string, last: boolean): string {
  const c = ch.charCodeAt(0);
  // Printable ASCII but `=`; space and tab too, except at the end of a line, where a mail system may drop them.
  if ((c >= 33 && c <= 126 && c !== 61) || ((c === 32 || c === 9) && !last)) return ch;
  let out = '';
  for (const b of Buffer.from(ch, 'utf8')) out += `=${HEX[b >> 4]}${HEX[b & 15]}`;
  return out;
}

/** One line, without its line break, as one or more encoded lines joined by soft breaks (`=` CRLF). */
export function qpLine(line: string): string {
  let out = '';
  let width = 0;
  const chars = [...line];
  for (let i = 0; i < chars.length; i++) {
    const token = encodedChar(chars[i]!, i === chars.length - 1);
    // Room is kept for the `=` of a soft break.
    if (width + token.length > MAX - 1) {
      out += '=\r\n';
      width = 0;
    }
    out += token;
    width += token.length;
  }
  return out;
}

/** A text (LF or CRLF line breaks) as quoted-printable, every line ending CRLF except an unterminated last one. */
export function qpText(text: string): string {
  return text
    .split('\n')
    .map((l) => qpLine(l.endsWith('\r') ? l.slice(0, -1) : l))
    .join('\r\n');
}
