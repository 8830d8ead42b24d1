import { cleanName, normaliseAddress } from '../delivery/address.js';
import { detectDelimiter, parseCsv } from '../delivery/csv.js';
import type { ImportedSubscriber } from '../delivery/model.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { parseDate } from '../util/dates.js';
import { decodeUtf8 } from '../util/utf8.js';

/**
 * Lists from where they live today: the subscriber exports of Mailchimp,
 * Substack, Buttondown, Ghost and listmonk, recognised by their header rows,
 * read with each subscriber's status and dates as the source kept them; any
 * other CSV file with an `email` column, or with the columns `--map` names.
 */

/** What a source says of an address: on its list, on it but never confirmed there, or left (and how). */
export type SourceStatus = ImportedSubscriber['status'] | 'unconfirmed';

/** One address of an import file, with the line it is on. */
export interface SourceRow extends Omit<ImportedSubscriber, 'status'> {
  line: number;
  status: SourceStatus;
}

export interface ImportFile {
  /** What the file was recognised as and which of its columns are read: "Mailchimp export (cleaned contacts); columns read: …". */
  description: string;
  rows: SourceRow[];
  /** Rows left out on purpose (a deletion request, an address the source blocked), by reason. */
  skipped: Map<string, number>;
  /** Rows that could not be read, by line. */
  problems: Problem[];
}

/** `--map`: which columns hold the address and the name (several name columns are joined with spaces). */
export interface ColumnMap {
  email?: string;
  name?: string[];
}

/** What one row says besides its address and name; or why it is left out; or what is wrong with it. */
type RowFacts = Omit<ImportedSubscriber, 'email' | 'name' | 'status'> & { status: SourceStatus };
type RowReading = RowFacts | { skip: string };

/** A field of a row that cannot be read: the row is reported, not imported. */
class RowProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Fields = Record<string, string>;

interface ExportFormat {
  /** "Mailchimp export (subscribed contacts)". */
  title: string;
  /** True when a header (names lowercased and trimmed) is this format's. */
  recognises(header: ReadonlySet<string>): boolean;
  /** Its address column, lowercased. */
  email: string;
  /** Its name columns, lowercased, among those the header has: joined with a space. */
  name(header: ReadonlySet<string>): string[];
  /** The other columns it reads, lowercased, among those the header has. */
  reads: readonly string[];
  read(fields: Fields): RowReading;
}

/** A date of `column`, or undefined when the field is empty. A time without an offset is read in `timeZone`. */
function when(fields: Fields, column: string, timeZone = 'UTC'): Date | undefined {
  const text = (fields[column] ?? '').trim();
  if (text === '') return undefined;
  const date = parseDate(text, timeZone);
  if (typeof date === 'string') throw new RowProblem(column, date);
  return date;
}

/** `true` or `false` (any case) in `column`. */
function flag(fields: Fields, column: string): boolean {
  const text = (fields[column] ?? '').trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new RowProblem(column, `"${fields[column] ?? ''}" is neither true nor false`);
}

/** The value of `column`, looked up in `statuses`. */
function lookup<T>(fields: Fields, column: string, statuses: Readonly<Record<string, T>>, source: string): T {
  const value = (fields[column] ?? '').trim().toLowerCase();
  const status = Object.hasOwn(statuses, value) ? statuses[value] : undefined;
  if (status === undefined) throw new RowProblem(column, `"${fields[column] ?? ''}" is not a ${source} status (${Object.keys(statuses).join(', ')})`);
  return status;
}

const present = (header: ReadonlySet<string>, columns: readonly string[]) => columns.filter((c) => header.has(c));

/** Name columns as most exports spell them. */
const NAME_COLUMNS = [['name'], ['first name', 'last name'], ['first_name', 'last_name']] as const;

function nameColumns(header: ReadonlySet<string>): string[] {
  return NAME_COLUMNS.map((group) => present(header, group)).find((found) => found.length > 0) ?? [];
}

/**
 * Mailchimp's audience export: a zip of three files with the same columns,
 * told apart by their last ones (UNSUB_TIME, CLEAN_TIME). Its times carry no
 * offset and are UTC. OPTIN_TIME is when the contact signed up (empty for
 * contacts someone imported into Mailchimp), CONFIRM_TIME when it confirmed.
 */
function mailchimp(kind: 'subscribed' | 'unsubscribed' | 'cleaned'): ExportFormat {
  const leftColumn = { subscribed: undefined, unsubscribed: 'unsub_time', cleaned: 'clean_time' }[kind];
  return {
    title: `Mailchimp export (${kind} contacts)`,
    recognises: (h) =>
      h.has('optin_time') && h.has('confirm_time') && (h.has('leid') || h.has('euid') || h.has('member_rating')) && (leftColumn ? h.has(leftColumn) : !h.has('unsub_time') && !h.has('clean_time')),
    email: 'email address',
    name: (h) => present(h, ['first name', 'last name']),
    reads: ['optin_time', 'confirm_time', ...(leftColumn ? [leftColumn] : [])],
    read(f) {
      const confirmed = when(f, 'confirm_time');
      const dates = { joinedAt: when(f, 'optin_time') ?? confirmed, subscribedAt: confirmed };
      if (!leftColumn) return { status: 'subscribed', ...dates };
      const leftAt = when(f, leftColumn);
      return kind === 'cleaned' ? { status: 'bounced', ...dates, leftAt, leftDetail: 'Mailchimp: cleaned' } : { status: 'unsubscribed', ...dates, leftAt, leftDetail: 'Mailchimp: unsubscribed' };
    },
  };
}

/**
 * listmonk's subscriber export (`uuid,email,name,attributes,status,created_at,updated_at`).
 * Its times are Go's `time.Time` text, `2024-03-13 10:02:03.123456 +0530 IST`:
 * the zone's name after the offset is dropped. Its statuses are the
 * subscriber's, not those of its list subscriptions: export the list with
 * its subscription filter to leave out those who unsubscribed from it.
 */
const listmonk: ExportFormat = {
  title: 'listmonk export',
  recognises: (h) => h.has('uuid') && h.has('email') && h.has('attributes') && h.has('status'),
  email: 'email',
  name: (h) => present(h, ['name']),
  reads: ['status', 'created_at'],
  read(f) {
    const joinedAt = when({ created_at: (f.created_at ?? '').replace(/([+-]\d{4}) \S+$/, '$1') }, 'created_at');
    const status = lookup(f, 'status', { enabled: 'subscribed', disabled: 'disabled', blocklisted: 'blocklisted' } as const, 'listmonk');
    return status === 'subscribed' ? { status, joinedAt } : { status: 'unsubscribed', joinedAt, leftDetail: `listmonk: ${status}` };
  },
};

/**
 * Ghost's members export (`id,email,name,note,subscribed_to_emails,…,created_at,deleted_at,labels,tiers`),
 * ISO 8601 times in UTC. A member not subscribed to emails is not mailed.
 */
const ghost: ExportFormat = {
  title: 'Ghost members export',
  recognises: (h) => h.has('email') && h.has('subscribed_to_emails'),
  email: 'email',
  name: (h) => present(h, ['name']),
  reads: ['subscribed_to_emails', 'created_at'],
  read(f) {
    const joinedAt = when(f, 'created_at');
    return flag(f, 'subscribed_to_emails') ? { status: 'subscribed', joinedAt } : { status: 'unsubscribed', joinedAt, leftDetail: 'Ghost: not subscribed to emails' };
  },
};

/**
 * Substack's subscriber export (`email,active_subscription,expiry,email_disabled,created_at`),
 * ISO 8601 times in UTC. `email_disabled` is true for readers who turned its
 * emails off; `active_subscription` is about paying, not mail. Addresses at
 * deletion-request.substack.com stand for readers who had their data deleted.
 */
const substack: ExportFormat = {
  title: 'Substack export',
  recognises: (h) => h.has('email') && h.has('email_disabled'),
  email: 'email',
  name: () => [],
  reads: ['email_disabled', 'created_at'],
  read(f) {
    if (/@deletion-request\.substack\.com$/i.test((f.email ?? '').trim())) return { skip: 'deletion requests at Substack' };
    const joinedAt = when(f, 'created_at');
    return flag(f, 'email_disabled') ? { status: 'unsubscribed', joinedAt, leftDetail: 'Substack: email disabled' } : { status: 'subscribed', joinedAt };
  },
};

/** Buttondown's subscriber types (https://docs.buttondown.com/api-subscribers-type), by what they mean for mail. */
const BUTTONDOWN_TYPES = {
  regular: 'subscribed',
  premium: 'subscribed',
  gifted: 'subscribed',
  trialed: 'subscribed',
  churning: 'subscribed',
  churned: 'subscribed',
  paused: 'subscribed',
  past_due: 'subscribed',
  unpaid: 'subscribed',
  upcoming: 'subscribed',
  unactivated: 'unconfirmed',
  unsubscribed: 'unsubscribed',
  removed: 'removed',
  undeliverable: 'bounced',
  spammy: 'bounced',
  complained: 'complained',
  blocked: 'blocked',
} as const;

/**
 * Buttondown's subscriber export (`id,secondary_id,email,notes,subscriber_type,…,creation_date,
 * ip_address,subscription_date,unsubscription_date,tags,metadata`; `type` in its API's
 * newer spelling), times as Python writes them: `2024-03-13 00:03:09.183465+00:00`.
 */
const buttondown: ExportFormat = {
  title: 'Buttondown export',
  recognises: (h) => h.has('email') && (h.has('subscriber_type') || h.has('type')) && h.has('creation_date'),
  email: 'email',
  name: () => [],
  reads: ['subscriber_type', 'type', 'creation_date', 'subscription_date', 'unsubscription_date'],
  read(f) {
    const type = lookup(f, 'subscriber_type' in f ? 'subscriber_type' : 'type', BUTTONDOWN_TYPES, 'Buttondown');
    if (type === 'blocked') return { skip: "blocked by Buttondown's firewall, never subscribed" };
    const dates = { joinedAt: when(f, 'creation_date'), subscribedAt: when(f, 'subscription_date') };
    if (type === 'subscribed' || type === 'unconfirmed') return { status: type, ...dates };
    const leftAt = when(f, 'unsubscription_date');
    if (type === 'removed') return { status: 'unsubscribed', ...dates, leftAt, leftDetail: 'Buttondown: removed by the newsletter' };
    return { status: type, ...dates, leftAt, leftDetail: `Buttondown: ${type === 'bounced' ? 'undeliverable' : type}` };
  },
};

/** Any CSV file with an `email` column: everyone on it is subscribed, as of the import. */
const plainList: ExportFormat = {
  title: 'CSV list',
  recognises: (h) => h.has('email'),
  email: 'email',
  name: nameColumns,
  reads: [],
  read: () => ({ status: 'subscribed' }),
};

/** In the order they are tried: the most particular headers first. */
const FORMATS: readonly ExportFormat[] = [mailchimp('subscribed'), mailchimp('unsubscribed'), mailchimp('cleaned'), listmonk, ghost, substack, buttondown, plainList];

/** The services whose exports are recognised, for messages. */
export const KNOWN_SOURCES = 'Mailchimp, Substack, Buttondown, Ghost or listmonk';

/** `email=E-Mail,name=Vorname+Nachname` → the columns to read. */
export function parseColumnMap(text: string): ColumnMap {
  const map: ColumnMap = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    const columns = pair
      .slice(eq + 1)
      .split('+')
      .map((c) => c.trim());
    if (eq < 0 || columns.some((c) => c === '')) throw new BroadsheetError('USAGE', `--map takes key=column pairs separated by commas, such as email=E-Mail,name=First+Last; "${pair}" is not one`);
    if (key === 'email' && columns.length === 1) map.email = columns[0]!;
    else if (key === 'name') map.name = columns;
    else throw new BroadsheetError('USAGE', key === 'email' ? '--map email= names one column' : `--map knows email and name, not "${key}"`);
  }
  return map;
}

/**
 * Reads an import file: UTF-8 CSV separated by `,`, `;` or tabs (detected),
 * recognised by its header. Throws SUBSCRIBER_INVALID, naming the file and
 * line, when nothing can be imported from it; rows that cannot be read are
 * returned as problems, the others as rows.
 */
export function readImportFile(bytes: Buffer, shown: string, map: ColumnMap = {}): ImportFile {
  const refuse = (message: string, line: number, detail: string) => new BroadsheetError('SUBSCRIBER_INVALID', message, { problems: [{ file: shown, line, message: detail }] });
  // A Latin-1 or Windows-1252 export would otherwise import as mojibake, names and addresses alike.
  const text = decodeUtf8(bytes);
  if (!text.ok) throw refuse(`${shown} is not UTF-8; nothing was imported`, text.line, text.message);
  const csv = parseCsv(text.text, detectDelimiter(text.text));
  if (!csv.ok) throw refuse(`${shown} is not valid CSV`, csv.line, csv.message);
  const header = new Set(csv.header);
  const found = `found: ${csv.columns.join(', ') || 'nothing'}`;
  const mapped = Object.keys(map).length > 0;
  const format = FORMATS.find((f) => f.recognises(header)) ?? (map.email !== undefined ? plainList : undefined);
  if (!format) {
    throw refuse(
      `${shown} has no "email" column and is not an export of ${KNOWN_SOURCES}`,
      1,
      `the header row must name an "email" column (${found}); name the columns to read with --map email=<column>,name=<column>`,
    );
  }
  const emailColumn = map.email?.toLowerCase() ?? format.email;
  const nameColumns = map.name?.map((c) => c.toLowerCase()) ?? format.name(header);
  for (const column of [emailColumn, ...nameColumns]) {
    if (!header.has(column)) {
      const what = mapped ? `--map names a column "${column}" that ${shown} does not have` : `${shown} looks like a ${format.title} without its "${column}" column`;
      throw refuse(what, 1, `${found}; name the columns to read with --map email=<column>,name=<column>`);
    }
  }
  const used = [emailColumn, ...nameColumns, ...present(header, format.reads)];
  // Two columns with one name would leave the last one to win, silently.
  for (const column of used) {
    const at = csv.header.flatMap((h, i) => (h === column ? [i + 1] : []));
    if (at.length > 1) {
      throw refuse(
        `${shown} has ${at.length} "${column}" columns; nothing was imported`,
        1,
        `columns ${at.join(' and ')} are both "${column}" (names are compared without case and surrounding spaces); keep one`,
      );
    }
  }

  const rows: SourceRow[] = [];
  const skipped = new Map<string, number>();
  const problems: Problem[] = [];
  for (const r of csv.records) {
    const address = normaliseAddress(r.fields[emailColumn] ?? '');
    if (!address.ok) {
      problems.push({ file: shown, line: r.line, field: csv.columns[csv.header.indexOf(emailColumn)]!, message: address.reason });
      continue;
    }
    let facts: RowReading;
    try {
      facts = format.read(r.fields);
    } catch (e) {
      if (!(e instanceof RowProblem)) throw e;
      problems.push({ file: shown, line: r.line, field: csv.columns[csv.header.indexOf(e.field)]!, message: e.message });
      continue;
    }
    if ('skip' in facts) {
      skipped.set(facts.skip, (skipped.get(facts.skip) ?? 0) + 1);
      continue;
    }
    const name = cleanName(nameColumns.map((c) => (r.fields[c] ?? '').trim()).filter((part) => part !== '').join(' '));
    rows.push({ line: r.line, email: address.email, name, ...facts });
  }
  const columns = used.map((c) => csv.columns[csv.header.indexOf(c)]!);
  const description = `${format.title}${mapped ? ', columns from --map' : ''}; columns read: ${columns.join(', ')}`;
  return { description, rows, skipped, problems };
}
