/** One data row of a CSV file, keyed by lowercased header, with the line it starts on. */
export interface CsvRecord {
  line: number;
  fields: Record<string, string>;
}

/** `header`: the column names lowercased and trimmed (the keys of `fields`); `columns`: the same names as written, trimmed. */
export type CsvResult = { ok: true; header: string[]; columns: string[]; records: CsvRecord[] } | { ok: false; line: number; message: string };

/** The separators a CSV file may use: spreadsheets in locales whose decimal mark is a comma write `;`. */
export type CsvDelimiter = ',' | ';' | '\t';

const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/**
 * The separator of a CSV file: the one of `,`, `;` and tab that occurs most
 * often, outside quotes, in its first row (the header); `,` when none does.
 */
export function detectDelimiter(input: string): CsvDelimiter {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const c of input) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return DELIMITERS.reduce((best, d) => ((counts.get(d) ?? 0) > (counts.get(best) ?? 0) ? d : best));
}

/**
 * RFC 4180 CSV: comma-separated (or `delimiter`), fields optionally in
 * double quotes, `""` for a quote inside one, line breaks allowed inside
 * quotes. The first row is the header. Blank lines are skipped. Line numbers
 * are those a text editor shows.
 */
export function parseCsv(input: string, delimiter: CsvDelimiter = ','): CsvResult {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  let quoted = false;
  let sawField = false;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '' && !sawField)) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
    sawField = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          return { ok: false, line, message: 'unexpected character after a closing quote; a quote inside a quoted field is written ""' };
        }
        continue;
      }
      if (c === '\n') line++;
      cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
      sawField = true;
      i++;
    } else if (c === delimiter) {
      cells.push(cell);
      cell = '';
      sawField = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      rowLine = line;
    } else {
      cell += c;
      i++;
    }
  }
  if (quoted) return { ok: false, line: rowLine, message: 'a quoted field is never closed' };
  if (cell !== '' || cells.length > 0 || sawField) endRow();

  const head = rows.shift();
  if (!head) return { ok: false, line: 1, message: 'the file is empty; it needs a header row such as "email,name"' };
  const columns = head.cells.map((h) => h.trim());
  const header = columns.map((h) => h.toLowerCase());
  const records = rows.map(({ line: l, cells: cs }) => ({
    line: l,
    fields: Object.fromEntries(header.map((h, k) => [h, cs[k] ?? ''])),
  }));
  return { ok: true, header, columns, records };
}

// A spreadsheet runs a cell that starts with one of these as a formula.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV row (RFC 4180): fields with a comma, quote or line break are
 * quoted, quotes doubled. Free-text fields (`guard`: names, details typed
 * by others) that a spreadsheet would run as a formula get a leading `'`.
 */
export function csvRow(fields: readonly string[], guard: ReadonlySet<number> = new Set()): string {
  return fields
    .map((f, i) => {
      const v = guard.has(i) && FORMULA_START.test(f) ? `'${f}` : f;
      return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(',');
}
