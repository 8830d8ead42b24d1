/** One data row of a CSV file, keyed by lowercased header, with the line it starts on. */
export interface CsvRecord {
  line: number;
  fields: Record<string, string>;
}

export type CsvResult = { ok: true; header: string[]; records: CsvRecord[] } | { ok: false; line: number; message: string };

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes, `""` for
 * a quote inside one, line breaks allowed inside quotes. The first row is the
 * header. Blank lines are skipped. Line numbers are those a text editor shows.
 */
export function parseCsv(input: string): CsvResult {
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
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
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
    } else if (c === ',') {
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
  const header = head.cells.map((h) => h.trim().toLowerCase());
  const records = rows.map(({ line: l, cells: cs }) => ({
    line: l,
    fields: Object.fromEntries(header.map((h, k) => [h, cs[k] ?? ''])),
  }));
  return { ok: true, header, records };
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
