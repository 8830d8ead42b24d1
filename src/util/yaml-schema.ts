import jsyaml from 'js-yaml';
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';

// `yaml` keeps positions, which only a file with problems needs: loaded on first use.
const require = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
const yaml = () => (yamlModule ??= require('yaml') as typeof import('yaml'));
import type { z } from 'zod';
import type { Problem } from '../errors.js';

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
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: { firstLine?: number; emptyValue?: unknown } = {},
): Parsed<z.output<S>> {
  // js-yaml is about seven times faster than building a document with
  // positions, which only a file with problems (or a later cross-file check) needs.
  let raw: unknown;
  try {
    raw = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return parseYamlWithPositions(text, file, schema, options);
  }
  const result = schema.safeParse(raw ?? options.emptyValue ?? {});
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

function parseYamlWithPositions<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: { firstLine?: number; emptyValue?: unknown },
): Parsed<z.output<S>> {
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
  const raw = doc.contents === null ? (options.emptyValue ?? {}) : doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(raw);
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
