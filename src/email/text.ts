/** Plain-text helpers shared by the digest's text part, its headers and personalisation. */

// eslint-disable-next-line no-control-regex
const BREAKS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g;

/**
 * One line of text: every control character (CR, LF, tab, NUL …) and line or
 * paragraph separator becomes a space. Header values and recipient values go
 * through this, so a name or subject can never start a new header or a new
 * line of the text part.
 */
export function oneLine(value: string): string {
  return value.replace(BREAKS, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Word-wraps a paragraph; words longer than the width (URLs) stay whole on their own line. */
export function wrap(text: string, width = 72): string {
  const lines: string[] = [];
  for (const paragraphLine of text.split('\n')) {
    let line = '';
    for (const word of paragraphLine.split(/[ \t]+/).filter((w) => w !== '')) {
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines.join('\n');
}
