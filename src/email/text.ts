/** Plain-text helpers for the digest's text part. */

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
