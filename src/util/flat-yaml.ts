import jsyaml from 'js-yaml';

/**
 * The usual shape of front matter, read without a general YAML parser (which
 * costs more per article than anything but the Markdown): one `key: value` per
 * line, where a value is a double-quoted string without escapes, a plain
 * scalar, a flow list `[a, b]`, or a block list of `- item` lines under
 * `key:`. Plain scalars resolve as js-yaml's CORE schema resolves them (null,
 * bool, int, float, else string), with js-yaml's own types.
 *
 * Anything else (comments, quotes with escapes, single quotes, nested maps,
 * anchors, tags, tabs, CR, duplicate keys, unusual characters) gives
 * `undefined`, and the caller asks js-yaml; for every text this accepts, the
 * result equals js-yaml's (tests/content/flat-yaml.test.ts compares them).
 */

// Printable characters only, no tab, CR, NEL, BOM, line separators or surrogates.
const UNUSUAL = /[^\n\x20-\x7E\u00A0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]/;
const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const ITEM_LINE = /^( *)- (.*)$/;
// A plain scalar that YAML reads as the text it is: starts with a letter or digit, no indicator characters.
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9 ._/+:()'-]*$/;
// js-yaml exports its types (the typings omit them); CORE_SCHEMA resolves plain scalars with these four, in this order.
interface ImplicitType {
  resolve(data: string): boolean;
  construct(data: string): unknown;
}
const { types } = jsyaml as unknown as { types: Record<'null' | 'bool' | 'int' | 'float', ImplicitType> };
const IMPLICIT = [types.null, types.bool, types.int, types.float];

type Value = string | number | boolean | null | Value[];

function scalar(text: string, inFlow: boolean): { value: Value } | undefined {
  if (text.charCodeAt(0) === 0x22) {
    // "…" with no other quote and no escape inside.
    const close = text.indexOf('"', 1);
    return close === text.length - 1 && !text.includes('\\') ? { value: text.slice(1, -1) } : undefined;
  }
  if (!PLAIN.test(text) || text.endsWith(' ') || text.includes(' #') || text.includes(': ') || text.endsWith(':')) return undefined;
  if (inFlow && (text.includes(':') || text.includes(' '))) return undefined;
  for (const type of IMPLICIT) if (type.resolve(text)) return { value: type.construct(text) as Value };
  return { value: text };
}

function flowList(text: string): Value[] | undefined {
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const out: Value[] = [];
  for (const part of inner.split(',')) {
    const item = scalar(part.trim(), true);
    if (!item) return undefined;
    out.push(item.value);
  }
  return out;
}

const SCALAR_KEY = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;

export function parseFlatYaml(text: string): Record<string, Value> | undefined {
  if (text === '' || UNUSUAL.test(text)) return undefined;
  const lines = text.split('\n');
  const out: Record<string, Value> = {};
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const colon = line.indexOf(':');
    const key = line.slice(0, colon);
    // js-yaml resolves a plain key like `TRUE` or `Null` to a scalar first: leave those to it.
    if (colon < 1 || !KEY.test(key) || seen.has(key) || SCALAR_KEY.test(key)) return undefined;
    seen.add(key);
    if (colon + 1 < line.length && line.charCodeAt(colon + 1) !== 0x20) return undefined;
    const raw = line.slice(colon + 2);
    if (raw === '') {
      // A block list: `- item` lines, all at one indentation.
      const items: Value[] = [];
      let indent: string | undefined;
      for (let item = ITEM_LINE.exec(lines[i + 1] ?? ''); item; item = ITEM_LINE.exec(lines[i + 1] ?? '')) {
        if (indent !== undefined && item[1] !== indent) return undefined;
        indent = item[1]!;
        const v = scalar(item[2]!, false);
        if (!v) return undefined;
        items.push(v.value);
        i++;
      }
      if (items.length === 0) return undefined;
      out[key] = items;
    } else if (raw.startsWith('[') && raw.endsWith(']')) {
      const list = flowList(raw);
      if (!list) return undefined;
      out[key] = list;
    } else {
      const v = scalar(raw, false);
      if (!v) return undefined;
      out[key] = v.value;
    }
  }
  return seen.size > 0 ? out : undefined;
}
