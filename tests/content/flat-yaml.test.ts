import jsyaml from 'js-yaml';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlatYaml } from '../../src/util/flat-yaml.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const core = (text: string): unknown => {
  try {
    return jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return 'js-yaml throws';
  }
};

// Values chosen to sit on every edge of the shortcut: YAML types, indicators, quoting, whitespace.
const VALUES = [
  '"plain quoted"', '"Article 10: colon inside"', '"with \\"escape\\""', '"a\\nb"', "'single'", '"unterminated', '"two" "quotes"', '""',
  'plain words', 'cloud-war', 'article-9', '2025-08-29', '2025-08-29T14:30:00Z', '2015-01-03T22:00:00.000Z', '2025-08-29 14:30',
  'true', 'True', 'FALSE', 'yes', 'no', 'on', 'null', 'Null', '~', '0', '-1', '+1', '1_000', '0x1F', '0o17', '017', '0b101', '1e3', '1.5', '.5', '.inf', '-.Inf', '.nan', '12:30', '1:20:30',
  'a: b', 'x #comment', 'x#y', 'ends:', 'a:b', 'http://example.com/x', "it's", 'C++', '(paren)', 'a/b', 'tag:example.com,2025:x',
  '&anchor x', '*alias', '!tag x', '|', '>', '%x', '@x', '`x`', '{a: 1}', '-dash', '? q', 'trailing ', '',
  '[]', '[a, b]', '[a,b]', '[ a , b ]', '[1, true, null]', '[a, [b]]', '[a, "b c"]', '["x, y"]', '[a b, c]', '[a:b]', '[a, ]', '[,]', '[a, b',
  'Ünïcödé words', 'emoji 😀', 'tab\there', 'nel\u0085x', 'ctrl\u0001x', 'bom\uFEFFx', 'ls\u2028x',
];
const KEYS = ['title', 'description', 'date', 'tags', 'slug', 'related', 'draft', 'x_1', 'Key', '1bad', 'bad-key', 'a b', 'True', 'NULL', 'FALSE', 'null'];

function* cases(): Generator<string> {
  for (const v of VALUES) for (const k of ['title', 'tags']) yield `${k}: ${v}`;
  for (const v of VALUES) yield `related:\n  - ${v}\n  - plain`;
  for (const k of KEYS) yield `${k}: value`;
  yield 'related:\n- a\n- b';
  yield 'related:\n  - a\n    - b';
  yield 'related:\n  - a\n - b';
  yield 'related:\ntitle: x';
  yield 'title: a\ntitle: b';
  yield 'title: a\n\nslug: b\n';
  yield 'title: a\r\nslug: b';
  yield 'title:  two spaces';
  yield 'title:x';
  yield ' title: indented';
  yield '# comment\ntitle: a';
  yield 'image:\n  src: a.png\n  alt: x';
  yield '---\ntitle: a';
  yield 'title: a\n...';
  // Random documents of several lines, from a fixed seed.
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let n = 0; n < 3000; n++) {
    const lines: string[] = [];
    for (let l = 0, count = 1 + rnd(6); l < count; l++) {
      const key = KEYS[rnd(KEYS.length)]!;
      lines.push(rnd(5) === 0 ? `${key}:\n  - ${VALUES[rnd(VALUES.length)]}\n  - ${VALUES[rnd(VALUES.length)]}` : `${key}: ${VALUES[rnd(VALUES.length)]}`);
    }
    yield lines.join('\n');
  }
}

describe('parseFlatYaml', () => {
  it('gives what js-yaml (CORE schema) gives, or leaves the text to it', () => {
    let taken = 0;
    for (const text of cases()) {
      const flat = parseFlatYaml(text);
      if (flat === undefined) continue;
      taken++;
      expect(flat, JSON.stringify(text)).toStrictEqual(core(text));
    }
    // The shortcut must actually be taken for the ordinary shapes.
    expect(taken).toBeGreaterThan(500);
  });

  it('reads the front matter of every example article', () => {
    const dir = path.join(ROOT, 'articles');
    for (const text of readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'))) {
      const fm = /^---\n([\s\S]*?)\n---/.exec(text)![1]!;
      const flat = parseFlatYaml(fm);
      expect(flat, fm).toBeDefined();
      expect(flat).toStrictEqual(core(fm));
    }
  });

  it('leaves duplicate keys, comments, nested maps and escapes to js-yaml', () => {
    for (const text of ['title: a\ntitle: b', 'title: a # note', 'image:\n  src: a.png', 'title: "a\\tb"', "title: 'a'", 'title: [a, [b]]', 'title:', '']) {
      expect(parseFlatYaml(text), text).toBeUndefined();
    }
    expect(parseFlatYaml('draft: false\ntags: [a, 1, null]')).toStrictEqual({ draft: false, tags: ['a', 1, null] });
  });
});
