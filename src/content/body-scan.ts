import { ATTRIBUTES_PATTERN, attributes, decodeEntities } from './html-text.js';

/**
 * What an article body refers to, found in its Markdown source with the line
 * of each: the template tags a generator would have run (Hugo shortcodes,
 * Liquid and Nunjucks tags), and the images, videos and audio files it
 * shows. Code is skipped (fenced and indented blocks, code spans), and so
 * are HTML comments, which are never published. A scan, not a parser: what
 * it finds is checked against the rendered HTML before it is acted on.
 */

export interface TemplateTag {
  line: number;
  text: string;
}

export interface BodyReference {
  line: number;
  /** As written: a URL reference, with Markdown escapes and HTML entities already undone. */
  src: string;
  /** `image` for images and posters; `media` for video, audio and their sources. */
  kind: 'image' | 'media';
}

export interface BodyScan {
  tags: TemplateTag[];
  references: BodyReference[];
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:\s|$)/;
const TEMPLATE_TAG = /\{\{<[\s\S]*?>\}\}|\{\{%[\s\S]*?%\}\}|\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}/g;
const CODE_SPAN = /(`+)[\s\S]*?\1/g;
// ![alt](destination "title"): the destination in <…>, or without spaces and with balanced parentheses.
const INLINE_IMAGE = /(\\?)!\[((?:[^[\]\\]|\\.|\[[^\]]*\])*)\]\(\s*(<[^>\n]*>|(?:[^\s()\\]|\\.|\([^\s)]*\))+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
// ![alt][label], ![label][] and ![label]: images whose destination is a reference definition.
const REFERENCE_IMAGE = /(\\?)!\[((?:[^[\]\\]|\\.)*)\](?:\[((?:[^[\]\\]|\\.)*)\])?(?![[(])/g;
const DEFINITION = /^ {0,3}\[((?:[^[\]\\]|\\.)+)\]:\s*(<[^>\n]*>|\S+)/;
const HTML_MEDIA = new RegExp(`<(img|video|audio|source)\\b(${ATTRIBUTES_PATTERN})\\s*/?>`, 'gi');

const MEDIA_TAG = /<(?:img|video|audio|source)\b/i;

const label = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
const unescapeMarkdown = (s: string) => decodeEntities(s.replace(/\\([!-/:-@[-`{-~])/g, '$1'));
const destination = (s: string) => unescapeMarkdown(s.startsWith('<') ? s.slice(1, -1) : s);

/** The lines of the body that are not code or comment, blanked where they are, so line numbers stay true. */
function proseLines(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  let fence: string | undefined;
  let inComment = false;
  let inList = false;
  let previousBlank = true;
  let inIndentedCode = false;
  return lines.map((line) => {
    if (fence !== undefined) {
      if (new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(line)) fence = undefined;
      return '';
    }
    const blank = line.trim() === '';
    const indented = /^(?: {4}|\t)/.test(line);
    inIndentedCode = indented && !inList && (previousBlank || inIndentedCode) && !blank;
    previousBlank = blank;
    if (inIndentedCode) return '';
    if (!indented && !blank) inList = LIST_ITEM.test(line);
    const open = FENCE_OPEN.exec(line);
    if (open) {
      fence = open[1]!;
      return '';
    }
    let out = line;
    if (inComment) {
      const end = out.indexOf('-->');
      if (end === -1) return '';
      out = out.slice(end + 3);
      inComment = false;
    }
    out = out.replace(/<!--[\s\S]*?-->/g, '');
    const start = out.indexOf('<!--');
    if (start !== -1) {
      out = out.slice(0, start);
      inComment = true;
    }
    return out.replace(CODE_SPAN, (m) => ' '.repeat(m.length));
  });
}

/** Whether the scan can find nothing in the body: most bodies hold neither braces nor images. */
function nothingToFind(markdown: string): boolean {
  return !markdown.includes('{{') && !markdown.includes('{%') && !markdown.includes('![') && !(markdown.includes('<') && MEDIA_TAG.test(markdown));
}

export function scanBody(markdown: string, firstLine: number): BodyScan {
  const found: BodyScan = { tags: [], references: [] };
  if (nothingToFind(markdown)) return found;
  const lines = proseLines(markdown);
  const definitions = new Map<string, { line: number; src: string }>();
  const wanted: { line: number; label: string }[] = [];
  lines.forEach((text, i) => {
    const line = firstLine + i;
    if (text.includes('{')) {
      TEMPLATE_TAG.lastIndex = 0;
      for (let m = TEMPLATE_TAG.exec(text); m; m = TEMPLATE_TAG.exec(text)) found.tags.push({ line, text: m[0] });
    }
    const def = DEFINITION.exec(text);
    if (def && !definitions.has(label(def[1]!))) definitions.set(label(def[1]!), { line, src: destination(def[2]!) });
    if (text.includes('![')) {
      INLINE_IMAGE.lastIndex = 0;
      let rest = text;
      for (let m = INLINE_IMAGE.exec(text); m; m = INLINE_IMAGE.exec(text)) {
        if (m[1] === '') found.references.push({ line, src: destination(m[3]!), kind: 'image' });
        rest = rest.replace(m[0], ' '.repeat(m[0].length));
      }
      REFERENCE_IMAGE.lastIndex = 0;
      for (let m = REFERENCE_IMAGE.exec(rest); m; m = REFERENCE_IMAGE.exec(rest)) {
        if (m[1] === '') wanted.push({ line, label: label(m[3] || m[2]!) });
      }
    }
    if (text.includes('<')) {
      HTML_MEDIA.lastIndex = 0;
      for (let m = HTML_MEDIA.exec(text); m; m = HTML_MEDIA.exec(text)) {
        const tag = m[1]!.toLowerCase();
        const attrs = attributes(m[2] ?? '');
        const src = attrs.get('src');
        if (src) found.references.push({ line, src, kind: tag === 'img' ? 'image' : 'media' });
        const poster = tag === 'video' ? attrs.get('poster') : undefined;
        if (poster) found.references.push({ line, src: poster, kind: 'image' });
      }
    }
  });
  for (const w of wanted) {
    const def = definitions.get(w.label);
    if (def) found.references.push({ line: def.line, src: def.src, kind: 'image' });
  }
  return found;
}
