import type MarkdownIt from 'markdown-it';
import type { PluginSimple } from 'markdown-it';
import type footnotePlugin from 'markdown-it-footnote';
import type Token from 'markdown-it/lib/token.mjs';
import { requireBundled } from '../util/bundled.js';
import { absoluteUrl } from '../util/url.js';
import { hasXmlIllegalChars, stripXmlIllegalChars } from '../util/xml-chars.js';
import { degradeEmbeds } from './embeds.js';
import { CODE_CLASS, sanitizeBody } from './sanitize.js';

// ---- the parser -------------------------------------------------------------

/** What one render needs besides the Markdown: where links point and how footnote ids are told apart. */
interface RenderEnv {
  base: string;
  idPrefix: string;
}

// markdown-it 14 (plain JavaScript; 15 is transpiled and slower), measured
// against md4w, micromark and commonmark.js in docs/performance.md.
const md = new (requireBundled<typeof MarkdownIt>('markdown-it'))({ html: true, linkify: true, xhtmlOut: true });
const footnote = requireBundled<typeof footnotePlugin>('markdown-it-footnote');
// @types/markdown-it-footnote is typed against an older @types/markdown-it.
md.use(footnote as unknown as PluginSimple);
// GitHub has no inline footnotes (`^[note]`).
md.inline.ruler.disable('footnote_inline');
// Every link goes through absoluteUrl, which refuses the schemes readers must not follow; markdown-it's own
// check would leave a refused link as literal Markdown instead of keeping its text.
md.validateLink = () => true;

// GFM autolinks are www., http(s)://, ftp:// and e-mail addresses; linkify-it also links bare domains and
// protocol-relative `//host`. (absoluteUrl then refuses ftp: as it refuses it in any link.)
md.linkify.add('//', null);
const linkifyMatch = md.linkify.match.bind(md.linkify);
md.linkify.match = (text: string) => linkifyMatch(text)?.filter((m) => m.schema !== '' || /^www\./i.test(m.raw)) ?? null;
// linkify-it's own pretest is one large Unicode regex; every GFM autolink contains one of these.
const MAYBE_AUTOLINK = /www\.|:\/\/|@/i;
md.linkify.pretest = (text: string) => MAYBE_AUTOLINK.test(text);

// markdown-it's text rule tests every character in a switch; one sticky regex finds the next character an
// inline rule may start at (the same set, markdown-it's isTerminatorChar) in native code.
const PLAIN_TEXT = /[^\n!#$%&*+\-:<=>@[\\\]^_`{}~]+/y;
md.inline.ruler.at('text', (state, silent) => {
  PLAIN_TEXT.lastIndex = state.pos;
  if (!PLAIN_TEXT.test(state.src)) return false;
  const end = Math.min(PLAIN_TEXT.lastIndex, state.posMax);
  if (end === state.pos) return false;
  if (!silent) state.pending += state.src.slice(state.pos, end);
  state.pos = end;
  return true;
});

const attr = (s: string) => md.utils.escapeHtml(s);
const rules = md.renderer.rules;
rules.s_open = () => '<del>';
rules.s_close = () => '</del>';
rules.task_checkbox = (tokens, idx) => (tokens[idx]!.meta.checked ? '<input type="checkbox" checked="" disabled="" />' : '<input type="checkbox" disabled="" />');

// Footnotes: ids carry the article's prefix (feeds put many articles in one document) and links are absolute
// (readers show the content away from the article's page). `fn-<slug>:<n>`, and `fnref-<slug>:<n>:<k>` for the
// k-th reference to a note: a colon is never in a slug, so no two articles' ids meet.
const noteNumber = (token: Token) => String(Number(token.meta.id) + 1);
const refId = (token: Token, env: RenderEnv) => `fnref-${env.idPrefix}${noteNumber(token)}${token.meta.subId > 0 ? `:${token.meta.subId + 1}` : ''}`;
rules.footnote_ref = (tokens, idx, _o, env: RenderEnv) => {
  const t = tokens[idx]!;
  return `<sup><a href="${attr(env.base)}#fn-${env.idPrefix}${noteNumber(t)}" id="${refId(t, env)}">${noteNumber(t)}</a></sup>`;
};
rules.footnote_block_open = () => '<section>\n<ol>\n';
rules.footnote_block_close = () => '</ol>\n</section>\n';
rules.footnote_open = (tokens, idx, _o, env: RenderEnv) => `<li id="fn-${env.idPrefix}${noteNumber(tokens[idx]!)}">\n`;
rules.footnote_close = () => '</li>\n';
// U+FE0E asks for the text arrow, not the emoji iOS would show.
rules.footnote_anchor = (tokens, idx, _o, env: RenderEnv) => {
  const t = tokens[idx]!;
  const n = noteNumber(t);
  return ` <a href="${attr(env.base)}#${refId(t, env)}" aria-label="Back to reference ${n}${t.meta.subId > 0 ? `-${t.meta.subId + 1}` : ''}">\u21a9\ufe0e</a>`;
};

const TASK = /^\[([ xX])\][ \t]/;

/**
 * GFM task list items (`[ ]` or `[x]` and a space opening a list item's first
 * paragraph) and column alignment as an `align` attribute: markdown-it writes
 * a style attribute, which most readers drop, and so do we.
 */
md.core.ruler.push('gfm', (state) => {
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'th_open' || token.type === 'td_open') {
      const style = token.attrGet('style');
      if (style !== null) token.attrs = [['align', style.slice('text-align:'.length)]];
    } else if (token.type === 'list_item_open' && tokens[i + 1]?.type === 'paragraph_open') {
      const inline = tokens[i + 2]!;
      const first = inline.children?.[0];
      const m = first?.type === 'text' ? TASK.exec(first.content) : null;
      if (!first || !m) continue;
      first.content = first.content.slice(3);
      const box = new state.Token('task_checkbox', 'input', 0);
      box.meta = { checked: m[1] !== ' ' };
      inline.children!.unshift(box);
    }
  }
  return true;
});

/**
 * Makes every link and image absolute, drops those with refused schemes
 * (javascript:, data:), drops a code block class the sanitiser would drop,
 * and tells whether the text holds raw HTML.
 */
function rewrite(tokens: Token[], base: string): boolean {
  let rawHtml = false;
  for (const token of tokens) {
    switch (token.type) {
      case 'html_block':
      case 'html_inline':
        rawHtml = true;
        break;
      case 'fence':
        if (token.info && !CODE_CLASS.test(`language-${token.info.trim().split(/\s+/)[0]}`)) token.info = '';
        break;
      case 'inline':
        if (token.children && rewriteInline(token.children, base)) rawHtml = true;
        break;
    }
  }
  return rawHtml;
}

function rewriteInline(children: Token[], base: string): boolean {
  let rawHtml = false;
  // Refused links keep their text: the open and close tokens go, with the depth they were at.
  const refusedDepths: number[] = [];
  let depth = 0;
  let write = 0;
  for (const token of children) {
    let keep = true;
    if (token.type === 'html_inline') rawHtml = true;
    else if (token.type === 'link_open') {
      depth++;
      const abs = absoluteUrl(token.attrGet('href') ?? '', base);
      if (abs === undefined) {
        refusedDepths.push(depth);
        keep = false;
      } else token.attrSet('href', abs);
    } else if (token.type === 'link_close') {
      if (refusedDepths.at(-1) === depth) {
        refusedDepths.pop();
        keep = false;
      }
      depth--;
    } else if (token.type === 'image') {
      const abs = absoluteUrl(token.attrGet('src') ?? '', base);
      if (abs === undefined) keep = false;
      else token.attrSet('src', abs);
    }
    if (keep) children[write++] = token;
  }
  children.length = write;
  return rawHtml;
}

/** The parser's HTML, before links are made absolute and before sanitising: what the spec tests compare. */
export function markdownToHtml(markdown: string): string {
  const env: RenderEnv = { base: '', idPrefix: '' };
  return md.renderer.render(md.parse(markdown, env), md.options, env);
}

/**
 * Renders an article body to HTML safe for feeds and email, with every link
 * and image absolute. `idPrefix` (the article's slug) keeps its footnote ids
 * apart from other articles' in the same feed. The Markdown must already be
 * free of XML-illegal characters (the loader strips them, with a warning).
 */
export function renderMarkdownBody(markdown: string, baseUrl: string, idPrefix = ''): string {
  const env: RenderEnv = { base: baseUrl.split('#')[0]!, idPrefix: idPrefix && `${idPrefix}:` };
  const tokens = md.parse(markdown, env);
  const rawHtml = rewrite(tokens, baseUrl);
  const html = md.renderer.render(tokens, md.options, env);
  // Markdown alone renders to escaped, safe HTML; only raw HTML needs the slower sanitiser.
  const safe = rawHtml ? sanitizeBody(degradeEmbeds(html), baseUrl) : html.trim();
  // An entity such as &#1; decodes to a character XML cannot carry, whatever the source bytes were;
  // only a numeric reference can, so text without one is not scanned again.
  const decoded = markdown.includes('&#') && hasXmlIllegalChars(safe);
  return decoded ? stripXmlIllegalChars(safe) : safe;
}
