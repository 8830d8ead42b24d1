import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { markdownToHtml } from '../../src/content/markdown.js';
import { REPO } from '../helpers/project.js';
import { DEBIAN_PYTHON, tool } from '../helpers/tools.js';

/**
 * Every example of the CommonMark spec, and every extension example of the
 * GFM spec and of cmark-gfm's extension tests, through the parser's own HTML
 * (before links are made absolute and raw HTML is sanitised), compared after
 * the spec's own normaliser (tests/fixtures/spec/normalize.py). The examples
 * we render differently are listed here and in docs/content.md, with why.
 */

const SPEC = path.join(REPO, 'tests/fixtures/spec');

interface Example {
  number: number;
  section: string;
  extensions: string[];
  markdown: string;
  html: string;
}

/** The examples of a spec file, numbered as the spec numbers them (the same reading as its spec_tests.py). */
function examples(file: string): Example[] {
  const fence = '`'.repeat(32);
  const out: Example[] = [];
  let state: 'text' | 'markdown' | 'html' = 'text';
  let section = '';
  let extensions: string[] = [];
  let markdown = '';
  let html = '';
  for (const line of readFileSync(path.join(SPEC, file), 'utf8').split(/(?<=\n)/)) {
    const l = line.trim();
    if (l.startsWith(`${fence} example`)) {
      state = 'markdown';
      extensions = l.slice(fence.length + ' example'.length).split(/\s+/).filter(Boolean);
    } else if (state !== 'text' && l === fence) {
      out.push({ number: out.length + 1, section, extensions, markdown: markdown.replaceAll('→', '\t'), html: html.replaceAll('→', '\t') });
      state = 'text';
      markdown = html = '';
    } else if (state === 'markdown' && l === '.') state = 'html';
    else if (state === 'markdown') markdown += line;
    else if (state === 'html') html += line;
    else if (/^#+ /.test(line)) section = line.replace(/^#+ /, '').trim();
  }
  return out;
}

/**
 * cmark-gfm's footnote markup, written as ours: ids carry a hyphen (`fn-1`,
 * and the article's slug in a feed), no classes (the sanitiser would drop
 * them), and the back link has an accessible name and asks for the text
 * arrow (U+FE0E) rather than an emoji.
 */
function asOurFootnotes(html: string): string {
  return html
    .replace(/<sup class="footnote-ref"><a href="#fn(\d+)" id="fnref(\d+)">/g, '<sup><a href="#fn-$1" id="fnref-$2">')
    .replace(/<section class="footnotes">/g, '<section>')
    .replace(/<li id="fn(\d+)">/g, '<li id="fn-$1">')
    .replace(/<a href="#fnref(\d+)" class="footnote-backref">↩<\/a>/g, '<a href="#fnref-$1" aria-label="Back to reference $1">↩\uFE0E</a>');
}

/** Runs the spec's normaliser (Python's html.parser) over every HTML text at once. */
function normalize(htmls: string[]): string[] {
  const script = `import sys, json\nsys.path.insert(0, ${JSON.stringify(SPEC)})\nfrom normalize import normalize_html\nprint(json.dumps([normalize_html(h) for h in json.load(sys.stdin)]))`;
  const r = spawnSync(DEBIAN_PYTHON, ['-W', 'ignore', '-c', script], { input: JSON.stringify(htmls), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`normalize.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

/** Examples we render differently, by spec; docs/content.md gives the same list with what we write. */
const GFM_AUTOLINK = 'GFM links a bare URL or address (the autolink extension); CommonMark leaves it text';
const TLD = 'linkify-it links an e-mail address only when its top-level domain is a real one';
const TAGFILTER = 'raw HTML goes through the sanitiser, which drops these tags (and script/style bodies) instead of escaping them';
const DIVERGENCES: Record<string, Record<number, string>> = {
  'CommonMark 0.31.2': { 602: GFM_AUTOLINK, 608: GFM_AUTOLINK, 611: GFM_AUTOLINK, 612: GFM_AUTOLINK },
  'GFM 0.29': {
    625: 'linkify-it ends a URL at an unbalanced closing parenthesis',
    626: 'linkify-it keeps an entity-like `&hl;` ending in the URL',
    629: TLD,
    630: TLD,
    631: TLD,
    653: TAGFILTER,
  },
  'cmark-gfm extensions': {
    17: 'one tilde is not strikethrough: only `~~`, as in GitHub comments; `~5 minutes` stays text',
    18: 'one tilde is not strikethrough (as 17)',
    19: `${TLD}; a full stop before a closing parenthesis stays in the URL; the host of a link text is shown in punycode in the href`,
    22: TAGFILTER,
    24: 'a URL followed by `~~` keeps the tildes: linkify-it runs before strikethrough is known',
  },
};

const SUITES: { name: keyof typeof DIVERGENCES; file: string; select: (e: Example) => boolean }[] = [
  { name: 'CommonMark 0.31.2', file: 'commonmark-spec-0.31.2.txt', select: () => true },
  // The rest of the GFM spec is CommonMark 0.29, which the suite above covers in its newer version.
  { name: 'GFM 0.29', file: 'gfm-spec-0.29.txt', select: (e) => e.extensions.length > 0 },
  { name: 'cmark-gfm extensions', file: 'cmark-gfm-extensions.txt', select: () => true },
];

for (const suite of SUITES) {
  const list = examples(suite.file).filter(suite.select);
  describe(`${suite.name} examples`, () => {
    let expected: string[] = [];
    let actual: string[] = [];
    let present = true;
    beforeAll(() => {
      present = tool('python3');
      if (!present) return;
      const n = normalize([...list.map((e) => asOurFootnotes(e.html)), ...list.map((e) => markdownToHtml(e.markdown))]);
      expected = n.slice(0, list.length);
      actual = n.slice(list.length);
    });

    it(`has the examples the spec has (${list.length})`, () => {
      expect(list.length).toBe({ 'CommonMark 0.31.2': 652, 'GFM 0.29': 24, 'cmark-gfm extensions': 28 }[suite.name]);
    });

    it.each(list.map((e, i) => [e.number, e.section, i] as const))('example %i (%s)', (number, _section, i) => {
      if (!present) return;
      // The spec asks only that this one does not crash the parser.
      if (list[i]!.html === '<IGNORE>\n') return;
      const divergence = DIVERGENCES[suite.name]![number];
      if (divergence === undefined) expect(actual[i]).toBe(expected[i]);
      // A listed divergence that no longer diverges is a stale list.
      else expect(actual[i], divergence).not.toBe(expected[i]);
    });
  });
}

it('docs/content.md lists exactly the divergences', () => {
  const doc = readFileSync(path.join(REPO, 'docs/content.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| (CommonMark 0\.31\.2|GFM 0\.29|cmark-gfm extensions) (\d+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
  const listed = Object.entries(DIVERGENCES).flatMap(([suite, d]) => Object.keys(d).map((n) => `${suite} ${n}`));
  expect(rows.sort()).toEqual(listed.sort());
});
