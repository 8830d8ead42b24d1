import { parse as parseToml, TomlDate, TomlError } from 'smol-toml';
import type { Problem } from '../errors.js';
import { parseYaml } from '../util/yaml-schema.js';
import { z } from '../util/zod.js';

/**
 * Front matter the way the three big generators write it: YAML between `---`
 * lines (all three), TOML between `+++` lines (Hugo), a JSON object opening
 * the file (Hugo), and Eleventy's `---json` / `---yaml` / `---toml`. Each is
 * read into plain values with a way back to the line of any field, so every
 * problem is `file:line: field`, whatever the format.
 */

export type FrontMatterFormat = 'yaml' | 'toml' | 'json';

export interface FrontMatterText {
  format: FrontMatterFormat;
  /** The front matter alone, without its fences (a JSON object keeps its braces). */
  text: string;
  /** The file's line number of the text's first line. */
  firstLine: number;
  /** Where the body starts in the file's text. */
  bodyStart: number;
}

export type Split =
  | { kind: 'front matter'; fm: FrontMatterText }
  /** Front matter in a programming language (Eleventy's `---js`), which is never run. */
  | { kind: 'code'; language: string }
  | { kind: 'missing'; message: string };

/** The opening fence: `---` or `+++`, and Eleventy's language after it (`---json`). */
const OPENING = /^(---|\+\+\+)([a-zA-Z]*)[ \t]*\r?\n/;
const FORMATS: Record<string, FrontMatterFormat> = { yaml: 'yaml', yml: 'yaml', toml: 'toml', json: 'json' };
const CODE = new Set(['js', 'javascript', 'cjs', 'mjs', 'node', 'ts']);

/** Where a JSON object that opens the text ends (just after its `}`), or -1. */
function jsonObjectEnd(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

export function splitFrontMatter(text: string): Split {
  if (text.startsWith('{')) {
    const end = jsonObjectEnd(text);
    if (end === -1) return { kind: 'missing', message: 'the JSON front matter has no closing "}"' };
    const newline = /^[ \t]*\r?\n/.exec(text.slice(end));
    return { kind: 'front matter', fm: { format: 'json', text: text.slice(0, end), firstLine: 1, bodyStart: end + (newline ? newline[0].length : 0) } };
  }
  const open = OPENING.exec(text);
  const close = open ? closingFence(text, open[1]!, open[0].length) : undefined;
  if (!open || !close) {
    return {
      kind: 'missing',
      message: 'missing front matter: the file must start with a "---" line, the YAML fields, and another "---" line (or TOML between "+++" lines, or a JSON object)',
    };
  }
  const language = open[2]!.toLowerCase();
  if (CODE.has(language)) return { kind: 'code', language };
  const format = language === '' ? (open[1] === '+++' ? 'toml' : 'yaml') : FORMATS[language];
  if (!format) return { kind: 'missing', message: `front matter in "${language}" cannot be read: write YAML between "---" lines, TOML between "+++" lines, or JSON` };
  return { kind: 'front matter', fm: { format, text: text.slice(open[0].length, close.start).replace(/\r?\n$/, ''), firstLine: 2, bodyStart: close.end } };
}

/** The line that closes the front matter (the fence alone on its line): where it starts, and where the body starts after it. */
function closingFence(text: string, fence: string, from: number): { start: number; end: number } | undefined {
  for (let at = from; at <= text.length; ) {
    const next = text.indexOf('\n', at);
    const lineEnd = next === -1 ? text.length : next;
    if (text.startsWith(fence, at) && text.slice(at + fence.length, lineEnd).trim() === '') return { start: at, end: next === -1 ? lineEnd : next + 1 };
    if (next === -1) return undefined;
    at = next + 1;
  }
  return undefined;
}

export interface RawFrontMatter {
  fields: Record<string, unknown>;
  /** The file's line of a field (or of the nearest enclosing one that has a line). */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

const FIELDS_ONLY = 'the front matter must be fields, one "key: value" a line';
// A check, not a copy: the entry's own schema reads the fields once they are resolved (fields.ts).
const fieldsSchema = z.custom<Record<string, unknown>>((v) => isFields(v), { error: FIELDS_ONLY });

type Parsed = { ok: true; raw: RawFrontMatter } | { ok: false; problems: Problem[] };

/** TOML's and JSON's values as YAML would give them: plain objects, and dates as the text they were written as. */
function plain(value: unknown): unknown {
  if (value instanceof TomlDate) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function isFields(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The key path a TOML line defines: `[a.b]`, `[[a]]`, `a.b = …`; quoted keys allowed. */
const TOML_KEY = /\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*/y;

function tomlKeys(s: string): string[] | undefined {
  const keys: string[] = [];
  TOML_KEY.lastIndex = 0;
  for (;;) {
    const m = TOML_KEY.exec(s);
    if (!m) return undefined;
    const k = m[0].trim();
    keys.push(k.startsWith('"') ? (JSON.parse(k) as string) : k.startsWith("'") ? k.slice(1, -1) : k);
    if (s[TOML_KEY.lastIndex] !== '.') return keys.length > 0 ? [...keys, s.slice(TOML_KEY.lastIndex)] : undefined;
    TOML_KEY.lastIndex++;
  }
}

/**
 * The line of a TOML field: the line that defines the longest part of the
 * path (`[image]` for `image`, `alt = …` below it for `image.alt`). Enough of
 * TOML to find keys: tables, arrays of tables, dotted keys, and multi-line
 * strings (whose lines are skipped).
 */
export function tomlLineOf(text: string, path: readonly PropertyKey[]): number | undefined {
  const want = path.map(String);
  let table: string[] = [];
  const arrayCounts = new Map<string, number>();
  let best: { line: number; depth: number } | undefined;
  let openString: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (openString) {
      if (line.includes(openString)) openString = undefined;
      continue;
    }
    let defined: string[] | undefined;
    const header = /^\s*(\[\[?)(.*?)\]\]?\s*(?:#.*)?$/.exec(line);
    if (header) {
      const keys = tomlKeys(header[2]!)?.slice(0, -1);
      if (!keys) continue;
      if (header[1] === '[[') {
        const name = keys.join('.');
        const n = arrayCounts.get(name) ?? 0;
        arrayCounts.set(name, n + 1);
        table = [...keys, String(n)];
      } else table = keys;
      defined = table;
    } else {
      const parts = tomlKeys(line);
      const rest = parts?.at(-1);
      if (!parts || rest === undefined || !rest.startsWith('=')) continue;
      defined = [...table, ...parts.slice(0, -1)];
      const value = rest.slice(1).trim();
      const quote = value.startsWith('"""') ? '"""' : value.startsWith("'''") ? "'''" : undefined;
      if (quote && !value.slice(3).includes(quote)) openString = quote;
    }
    let depth = 0;
    while (depth < defined.length && depth < want.length && defined[depth] === want[depth]) depth++;
    // Only a line that defines a prefix of the path (not a sibling deeper down) counts.
    if (depth > 0 && depth === defined.length && (!best || depth > best.depth)) best = { line: i + 1, depth };
  }
  return best?.line;
}

function lineAtPosition(text: string, position: number): number {
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Reads the front matter into plain values; a malformed one is a problem at the line the parser names. */
export function parseFrontMatter(fm: FrontMatterText, file: string): Parsed {
  const offset = fm.firstLine - 1;
  const fail = (line: number, message: string): Parsed => ({ ok: false, problems: [{ file, line: line + offset, message }] });
  if (fm.format === 'yaml') {
    const parsed = parseYaml(fm.text, file, fieldsSchema, { firstLine: fm.firstLine, emptyValue: {} });
    return parsed.ok ? { ok: true, raw: { fields: parsed.value, lineOf: parsed.lineOf } } : parsed;
  }
  let value: unknown;
  let lineOf: RawFrontMatter['lineOf'];
  if (fm.format === 'toml') {
    try {
      value = parseToml(fm.text, { unsafeKeyBehaviour: 'drop', maxDepth: 32 });
    } catch (e) {
      const line = e instanceof TomlError ? e.line : 1;
      return fail(line, `malformed TOML: ${(e as Error).message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`);
    }
    lineOf = (path) => {
      const line = tomlLineOf(fm.text, path);
      return line === undefined ? fm.firstLine : line + offset;
    };
  } else {
    try {
      value = JSON.parse(fm.text);
    } catch (e) {
      const message = (e as Error).message;
      const at = /position (\d+)/.exec(message);
      return fail(at ? lineAtPosition(fm.text, Number(at[1])) : 1, `malformed JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
    }
    // JSON is YAML: its positions come from the YAML reader, and only when a problem needs one.
    let positions: ReturnType<typeof parseYaml<typeof fieldsSchema>> | undefined;
    lineOf = (path) => {
      positions ??= parseYaml(fm.text, file, fieldsSchema, { firstLine: fm.firstLine });
      return positions.ok ? positions.lineOf(path) : fm.firstLine;
    };
  }
  if (!isFields(value)) return fail(1, FIELDS_ONLY);
  return { ok: true, raw: { fields: plain(value) as Record<string, unknown>, lineOf } };
}
