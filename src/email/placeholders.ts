/**
 * Private-use characters the renderer writes into its intermediate output.
 * MJML passes them through untouched; they never reach a reader:
 *
 * - recipient placeholders, written by the `recipient` and `ifRecipient`
 *   helpers in stage 1 and turned into Handlebars expressions for stage 2;
 * - line marks, put at the start of every template line before stage 1 and
 *   removed before MJML runs, so an MJML error can name the template file and
 *   line it came from even through partials, loops and conditionals.
 *
 * Data never carries them: `stripMarks` removes the range from every value.
 */

export const RECIPIENT_FIELDS = ['name', 'email', 'unsubscribeUrl', 'viewUrl', 'manageUrl', 'reason', 'confirmUrl'] as const;
export type RecipientField = (typeof RECIPIENT_FIELDS)[number];

const VALUE = '\uE000';
const IF = '\uE001';
const END_IF = '\uE002';
const CLOSE = '\uE003';
const LINE = '\uE004';

// eslint-disable-next-line no-misleading-character-class
const ANY_MARK = /[\uE000-\uE00F]/g;

export function stripMarks(value: string): string {
  return value.replace(ANY_MARK, '');
}

// Each placeholder carries a number unique within one render, so a lost one can be told from its twins.
export const placeholder = (field: RecipientField, id: number): string => `${VALUE}${field}:${id}${CLOSE}`;
export const ifOpen = (field: RecipientField, id: number): string => `${IF}${field}:${id}${CLOSE}`;
export const ifClose = (id: number): string => `${END_IF}${id}${CLOSE}`;

export function isRecipientField(name: unknown): name is RecipientField {
  return typeof name === 'string' && (RECIPIENT_FIELDS as readonly string[]).includes(name);
}

const PLACEHOLDERS = /\uE000([A-Za-z]+):\d+\uE003|\uE001([A-Za-z]+):\d+\uE003|\uE002\d+\uE003/g;

/**
 * Handlebars source that prints `rendered` with its placeholders filled in.
 * Literal text cannot be passed through as is (MJML's CSS has braces, an
 * article may contain `{{`), so every brace and backslash becomes a lookup of
 * a constant: the literal parts then hold nothing Handlebars interprets.
 */
export function toRecipientTemplate(rendered: string): string {
  const literal = (s: string) => s.replace(/[{}\\]/g, (c) => (c === '{' ? '{{lb}}' : c === '}' ? '{{rb}}' : '{{bs}}'));
  let out = '';
  let last = 0;
  PLACEHOLDERS.lastIndex = 0;
  for (let m = PLACEHOLDERS.exec(rendered); m; m = PLACEHOLDERS.exec(rendered)) {
    out += literal(rendered.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) out += `{{recipient.${m[1]}}}`;
    else if (m[2] !== undefined) out += `{{#if recipient.${m[2]}}}`;
    else out += '{{/if}}';
  }
  return out + literal(rendered.slice(last));
}

/**
 * Where the first placeholder of `before` is that `after` lost, if any.
 * MJML drops text that sits between its elements, so a placeholder (or an
 * ifRecipient block) written there would silently vanish; MJML may also
 * repeat one (mj-title becomes <title> and aria-label), which is fine.
 */
export function firstLostPlaceholder(before: string, after: string): number | undefined {
  const kept = new Set([...after.matchAll(PLACEHOLDERS)].map((m) => m[0]));
  for (const m of before.matchAll(PLACEHOLDERS)) if (!kept.has(m[0])) return m.index;
  return undefined;
}

/**
 * The lines of `rendered` that differ from one recipient to the next, as
 * inclusive ranges of line numbers (0-based, split at `\n`), in order and
 * not touching one another: a line with a placeholder, and every line from an
 * `ifRecipient` block's start to its end, since the block may vanish. The
 * other lines are the same for everybody.
 */
export function recipientLines(rendered: string): [number, number][] {
  const lineAt: number[] = [];
  let line = 0;
  let scanned = 0;
  const lineOf = (index: number) => {
    for (; scanned < index; scanned++) if (rendered.charCodeAt(scanned) === 10) line++;
    return line;
  };
  const ranges: [number, number][] = [];
  for (const m of rendered.matchAll(PLACEHOLDERS)) {
    const at = lineOf(m.index);
    if (m[2] !== undefined) lineAt.push(at);
    else if (m[1] !== undefined) ranges.push([at, at]);
    else ranges.push([lineAt.pop() ?? at, at]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of ranges) {
    const last = merged.at(-1);
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** The constants `toRecipientTemplate` refers to. */
export const LITERALS = { lb: '{', rb: '}', bs: '\\' } as const;

/**
 * Puts a line mark at the start of every line of a template that is not
 * inside a `{{…}}` expression (a mark there would change its meaning).
 */
export function withLineMarks(source: string, fileIndex: number): string {
  let out = '';
  let line = 1;
  let i = 0;
  const mark = () => `${LINE}${fileIndex}:${line}${CLOSE}`;
  out += mark();
  while (i < source.length) {
    if (source.startsWith('{{', i)) {
      const end = source.startsWith('{{!--', i) ? source.indexOf('--}}', i) + 4 : source.indexOf('}}', i) + 2;
      const stop = end < i + 2 ? source.length : end;
      const expr = source.slice(i, stop);
      out += expr;
      line += expr.split('\n').length - 1;
      i = stop;
      continue;
    }
    const ch = source[i]!;
    out += ch;
    i++;
    if (ch === '\n') {
      line++;
      out += mark();
    }
  }
  return out;
}

export interface Origin {
  file: number;
  line: number;
}

const LINE_MARK = /\uE004(\d+):(\d+)\uE003/g;

/**
 * Removes the line marks. `originOf(n)` tells which template file and line
 * produced line `n` of the clean text: the last mark before the first
 * non-blank character of that line.
 */
export function takeLineMarks(marked: string): { text: string; originOf(line: number): Origin | undefined } {
  const marks: { at: number; origin: Origin }[] = [];
  let text = '';
  let last = 0;
  LINE_MARK.lastIndex = 0;
  for (let m = LINE_MARK.exec(marked); m; m = LINE_MARK.exec(marked)) {
    text += marked.slice(last, m.index);
    last = m.index + m[0].length;
    marks.push({ at: text.length, origin: { file: Number(m[1]), line: Number(m[2]) } });
  }
  text += marked.slice(last);
  return {
    text,
    originOf(lineNumber) {
      let offset = 0;
      for (let l = 1; l < lineNumber; l++) {
        const nl = text.indexOf('\n', offset);
        if (nl < 0) return undefined;
        offset = nl + 1;
      }
      const firstChar = text.slice(offset).search(/\S/);
      const at = firstChar < 0 ? text.length : offset + firstChar;
      let found: Origin | undefined;
      for (const m of marks) {
        if (m.at > at) break;
        found = m.origin;
      }
      return found;
    },
  };
}
