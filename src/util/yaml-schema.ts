import type jsyamlModule from 'js-yaml';
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';
import { BroadsheetError, type Problem } from '../errors.js';
import { requireBundled } from './bundled.js';
import { formatBytes, tooLarge } from './limits.js';

// `yaml` keeps positions, which only a file with problems needs: loaded on first use.
const require = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
const yaml = () => (yamlModule ??= require('yaml') as typeof import('yaml'));
const jsyaml = requireBundled<typeof jsyamlModule>('js-yaml');
import type { z } from 'zod';

/** No text value broadsheet reads from YAML needs more: a title, a template, a path. Rendering multiplies it many times. */
export const MAX_YAML_VALUE_CHARS = 10_000;
/** How many times aliases may be expanded (the `yaml` package's own default): a few are handy, thousands are an alias bomb. */
export const MAX_YAML_ALIASES = 100;

export interface YamlOptions {
  /** Line of the first YAML line in the file (front matter starts on line 2). */
  firstLine?: number;
  /** The value of an empty document. */
  emptyValue?: unknown;
  /** Refuse a longer text (INPUT_TOO_LARGE); `what` names it in the message (`the front matter`). */
  maxBytes?: number;
  what?: string;
  /**
   * Read once per run (the config): zod then checks the value as it walks
   * the schema, without first generating a parser for its objects, which
   * costs more than one parse saves (the config's parse 17 against 12.5 ms).
   * Front matter, parsed for every article, keeps the generated parser.
   */
  once?: boolean;
}

export type Parsed<T> =
  | { ok: true; value: T; /** The line of a field, for problems found after parsing. */ lineOf(path: readonly PropertyKey[]): number | undefined }
  | { ok: false; problems: Problem[] };

/** `image.alt`, `related[2]`: the way a person would name the field. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** A zod issue message, made to read well after the field name. */
function issueMessage(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) return 'is required';
  return issue.message;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function lineOf(doc: Document, path: readonly PropertyKey[], counter: LineCounter): number | undefined {
  // Walk up the path until a node with a position exists: a missing field is
  // reported at the line of the object that should hold it.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (yaml().isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Parses YAML text and validates it against a zod schema, returning every
 * problem with the file, the 1-based line (offset by `firstLine - 1`, for
 * front matter that starts below a `---`) and the field path.
 *
 * Hostile input stops the run at once, with its own code, rather than joining
 * the list of problems: a text over `maxBytes` or a value over
 * MAX_YAML_VALUE_CHARS is INPUT_TOO_LARGE, aliases expanding more than
 * MAX_YAML_ALIASES times are YAML_ALIASES.
 */
export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S, options: YamlOptions = {}): Parsed<z.output<S>> {
  if (options.maxBytes !== undefined && Buffer.byteLength(text) > options.maxBytes) {
    const where = { file, line: options.firstLine ?? 1 };
    throw tooLarge(`${options.what ?? 'the YAML'} of ${file}`, formatBytes(Buffer.byteLength(text)), formatBytes(options.maxBytes), 'keep it to its fields: long text belongs in the body', where);
  }
  // js-yaml is about seven times faster than building a document with
  // positions, which only a file with problems (or a later cross-file check) needs.
  let raw: unknown;
  try {
    raw = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return parseYamlWithPositions(text, file, schema, options);
  }
  const long = longString(raw);
  if (long) throw valueTooLarge(text, file, long, options);
  const result = schema.safeParse(raw ?? options.emptyValue ?? {}, options.once ? { jitless: true } : undefined);
  if (!result.success) return parseYamlWithPositions(text, file, schema, options);
  let slow: Parsed<z.output<S>> | undefined;
  return {
    ok: true,
    value: result.data,
    lineOf: (path) => {
      slow ??= parseYamlWithPositions(text, file, schema, options);
      return slow.ok ? slow.lineOf(path) : undefined;
    },
  };
}

/**
 * The path of the first string longer than MAX_YAML_VALUE_CHARS (keys
 * included). Each object is visited once: js-yaml shares an aliased value
 * rather than copying it, so an alias bomb costs no more than its text.
 */
function longString(value: unknown, path: PropertyKey[] = [], seen = new Set<object>()): { path: PropertyKey[]; length: number } | undefined {
  if (typeof value === 'string') return value.length > MAX_YAML_VALUE_CHARS ? { path, length: value.length } : undefined;
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, v] of entries) {
    if (typeof key === 'string' && key.length > MAX_YAML_VALUE_CHARS) return { path: [...path, `${key.slice(0, 20)}…`], length: key.length };
    const found = longString(v, [...path, key], seen);
    if (found) return found;
  }
  return undefined;
}

function valueTooLarge(text: string, file: string, long: { path: PropertyKey[]; length: number }, options: YamlOptions): BroadsheetError {
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const line = lineOf(parseDocument(text, { lineCounter: counter }), long.path, counter);
  const where = { file, ...(line === undefined ? {} : { line: line + (options.firstLine ?? 1) - 1 }), ...(long.path.length ? { field: fieldPath(long.path) } : {}) };
  const size = `${long.length.toLocaleString('en')} characters`;
  return tooLarge(`a value in ${file}`, size, `${MAX_YAML_VALUE_CHARS.toLocaleString('en')} characters`, 'shorten it', where);
}

/** Where the first alias is, for a document whose aliases expand too many times. */
function aliasBomb(doc: Document, file: string, offset: number, counter: LineCounter): BroadsheetError {
  const { visit, isPair, isSeq, isScalar } = yaml();
  const where: Omit<Problem, 'message'> = { file };
  visit(doc, {
    Alias(_key, node, ancestors) {
      if (node.range) where.line = counter.linePos(node.range[0]).line + offset;
      const chain = [...ancestors, node];
      const path: PropertyKey[] = [];
      for (let i = 0; i < chain.length - 1; i++) {
        const parent = chain[i];
        if (isPair(parent) && chain[i + 1] === parent.value) path.push(String(isScalar(parent.key) ? parent.key.value : parent.key));
        else if (isSeq(parent)) path.push(parent.items.indexOf(chain[i + 1] as never));
      }
      if (path.length) where.field = fieldPath(path);
      return visit.BREAK;
    },
  });
  return new BroadsheetError('YAML_ALIASES', `${file} uses YAML aliases that expand more than ${MAX_YAML_ALIASES} times`, {
    problems: [{ ...where, message: `aliases (*name) expand more than ${MAX_YAML_ALIASES} times, which only an alias bomb needs; write the values out` }],
  });
}

function parseYamlWithPositions<S extends z.ZodType>(text: string, file: string, schema: S, options: YamlOptions): Parsed<z.output<S>> {
  const offset = (options.firstLine ?? 1) - 1;
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        line: counter.linePos(e.pos[0]).line + offset,
        message: `malformed YAML: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  let raw: unknown;
  try {
    raw = doc.contents === null ? (options.emptyValue ?? {}) : doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    // The yaml package throws a ReferenceError ("Excessive alias count …") when aliases expand past maxAliasCount.
    if (e instanceof ReferenceError && /alias/i.test(e.message)) throw aliasBomb(doc, file, offset, counter);
    throw e;
  }
  const long = longString(raw);
  if (long) throw valueTooLarge(text, file, long, options);
  const result = schema.safeParse(raw, options.once ? { jitless: true } : undefined);
  if (result.success) {
    return {
      ok: true,
      value: result.data,
      lineOf: (path) => {
        const line = lineOf(doc, path, counter);
        return line === undefined ? undefined : line + offset;
      },
    };
  }
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const line = lineOf(doc, issue.path, counter);
      const problem: Problem = { file, message: issueMessage(issue, raw) };
      if (line !== undefined) problem.line = line + offset;
      const field = fieldPath(issue.path);
      if (field) problem.field = field;
      return problem;
    }),
  };
}
