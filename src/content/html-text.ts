/**
 * Small readers for the sanitised body HTML the content stage produces
 * (src/content/markdown.ts): well-formed, no comments, `<` and `>` escaped
 * inside attribute values. They are not general HTML parsers.
 */

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s[^>]*)?)>/g;
const VOID = new Set(['br', 'hr', 'img', 'wbr']);

/** The first `count` top-level `<p>` elements of a body, as HTML; headings, lists and quotes are skipped. */
export function leadParagraphs(html: string, count: number): string[] {
  const found: string[] = [];
  let depth = 0;
  let start = -1;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m && found.length < count; m = TAG.exec(html)) {
    const closing = m[1] === '/';
    const name = (m[2] ?? '').toLowerCase();
    if (VOID.has(name) || (m[3] ?? '').endsWith('/')) continue;
    if (!closing) {
      if (depth === 0 && name === 'p') start = m.index;
      depth++;
    } else {
      depth--;
      if (depth === 0 && name === 'p' && start >= 0) {
        found.push(html.slice(start, m.index + m[0].length));
        start = -1;
      }
    }
  }
  return found;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/y;
const SPACE = /\s/;

/**
 * The characters a fragment says, one at a time: tags dropped, entities
 * decoded (`html`), runs of white space as one space, none at either end.
 */
function* textOf(s: string, html: boolean): Generator<string> {
  let space = false;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    let c = s[i]!;
    if (html && c === '<') {
      const end = s.indexOf('>', i);
      if (end === -1) break;
      i = end;
      continue;
    }
    if (html && c === '&') {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(s);
      if (m) {
        c = decodeEntities(m[0]);
        i += m[0].length - 1;
      }
    }
    for (const ch of c) {
      if (SPACE.test(ch)) {
        space = started;
        continue;
      }
      if (space) yield ' ';
      space = false;
      started = true;
      yield ch;
    }
  }
}

/**
 * True when an HTML fragment says exactly the plain `text`, ignoring markup
 * and how white space is laid out. It stops at the first difference, which
 * for two different sentences is within a few characters.
 */
export function saysText(fragment: string, text: string): boolean {
  const a = textOf(fragment, true);
  const b = textOf(text, false);
  for (;;) {
    const x = a.next();
    const y = b.next();
    if (x.done || y.done) return x.done === true && y.done === true;
    if (x.value !== y.value) return false;
  }
}

/** An HTML start tag's attributes, as a pattern to build tag patterns from: `(?:\s+name(?:=value)?)*`. */
export const ATTRIBUTES_PATTERN = `(?:\\s+[^\\s"'>/=]+(?:\\s*=\\s*(?:"[^"]*"|'[^']*'|[^\\s"'=<>\`]+))?)*`;

const ATTRIBUTE = /\s([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** The attributes of a start tag's text (what follows its name), by lowercase name, entities decoded. */
export function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(text); m; m = ATTRIBUTE.exec(text)) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

function attribute(attrs: string, name: string): string | undefined {
  return attributes(attrs).get(name);
}

/**
 * Plain text of an inline HTML fragment (a paragraph): links are written out
 * as `text (url)`, or the bare URL when the text is the URL; images become
 * `[alt]`; line breaks are kept, other whitespace collapses.
 */
export function htmlToText(fragment: string): string {
  const links: (string | undefined)[] = [];
  let out = '';
  let linkStart = 0;
  let last = 0;
  TAG.lastIndex = 0;
  const text = (s: string) => decodeEntities(s).replace(/[ \t\r\n]+/g, ' ');
  for (let m = TAG.exec(fragment); m; m = TAG.exec(fragment)) {
    out += text(fragment.slice(last, m.index));
    last = m.index + m[0].length;
    const name = (m[2] ?? '').toLowerCase();
    const attrs = m[3] ?? '';
    if (name === 'br') out += '\n';
    else if (name === 'img') {
      const alt = attribute(attrs, 'alt');
      if (alt) out += `[${alt}]`;
    } else if (name === 'a' && m[1] !== '/') {
      links.push(attribute(attrs, 'href'));
      linkStart = out.length;
    } else if (name === 'a') {
      const href = links.pop();
      if (href) {
        const label = out.slice(linkStart).trim();
        const bare = href.replace(/^mailto:/, '');
        out = label === href || label === bare || label === '' ? `${out.slice(0, linkStart)}${href}` : `${out} (${href})`;
      }
    }
  }
  out += text(fragment.slice(last));
  return out
    .split('\n')
    .map((l) => l.replace(/ {2,}/g, ' ').trim())
    .join('\n')
    .trim();
}

/** The text of an inline HTML fragment on one line: tags dropped (a line break is a space), entities decoded, white space collapsed. */
export function plainText(fragment: string): string {
  return decodeEntities(fragment.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}
