import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../config/load.js';
import { cleanName, normaliseAddress } from '../delivery/address.js';
import { csvRow } from '../delivery/csv.js';
import {
  SUBSCRIBER_STATUSES,
  type AddOutcome,
  type ImportedSubscriber,
  type ImportOutcome,
  type JoinRecord,
  type SubscribeOutcome,
  type Subscriber,
  type SubscriberStatus,
} from '../delivery/model.js';
import { KNOWN_SOURCES, parseColumnMap, readImportFile, type SourceRow } from '../list/import.js';
import type { Store } from '../store/store.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { BroadsheetError } from '../errors.js';
import type { Command, CommandContext } from './types.js';
import { storeUrl } from './store-url.js';

const USAGE = [
  'subscribers add <email> [--name <name>]',
  'subscribers remove <email>',
  'subscribers list [--status <status>] [--json]',
  'subscribers import <file.csv> [--map email=<column>,name=<column>] [--confirm]',
  'subscribers export [<file.csv>]',
  'subscribers stats [--issues <n>]',
];

function address(input: string | undefined, what: string): string {
  if (input === undefined) throw new BroadsheetError('USAGE', `${what} needs an address (see broadsheet subscribers --help)`);
  const a = normaliseAddress(input);
  if (!a.ok) throw new BroadsheetError('SUBSCRIBER_INVALID', a.reason);
  return a.email;
}

async function withStore<T>(ctx: CommandContext, fn: (store: Store, config: Config) => T | Promise<T>): Promise<T> {
  const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
  // Imported here so that other commands do not load SQLite.
  const { openStore } = await import('../store/open.js');
  const store = await openStore(config.paths.data, { url: storeUrl(config, ctx.env, ctx.log) });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

const ADD_MESSAGES: Record<AddOutcome, string> = {
  added: 'subscribed',
  resubscribed: 'subscribed again',
  renamed: 'already subscribed; name updated:',
  unchanged: 'already subscribed:',
  'kept-unsubscribed': 'unsubscribed earlier, left as is:',
  'kept-bounced': 'bounced earlier, left as is:',
  'kept-complained': 'marked an issue as spam; only a new confirmed opt-in (the subscribe form) can bring',
};

async function add(ctx: CommandContext): Promise<number> {
  const email = address(ctx.positionals[1], 'subscribers add');
  const name = cleanName(ctx.options.name as string | undefined);
  const [outcome] = await withStore(ctx, (s) => s.addSubscribers([{ email, name }], ctx.clock.now(), { resubscribe: true, join: { via: 'command-line' } }));
  if (outcome === 'kept-complained') throw new BroadsheetError('SUBSCRIBER_INVALID', `${email} ${ADD_MESSAGES[outcome]} it`);
  ctx.print(`${ADD_MESSAGES[outcome!]} ${email}`);
  return 0;
}

async function remove(ctx: CommandContext): Promise<number> {
  const email = address(ctx.positionals[1], 'subscribers remove');
  return withStore(ctx, async (s) => {
    const found = await s.getSubscriber(email);
    if (!found) throw new BroadsheetError('SUBSCRIBER_INVALID', `${email} is not on the list`);
    ctx.print((await s.unsubscribe(email, ctx.clock.now(), 'operator')) ? `unsubscribed ${email}` : `${email} was already ${found.status === 'unsubscribed' ? 'unsubscribed' : `${found.status}: it is not mailed`}`);
    return 0;
  });
}

function statusOption(ctx: CommandContext): SubscriberStatus | undefined {
  const status = ctx.options.status as string | undefined;
  if (status === undefined) return undefined;
  if (!(SUBSCRIBER_STATUSES as readonly string[]).includes(status)) throw new BroadsheetError('USAGE', `--status must be one of ${SUBSCRIBER_STATUSES.join(', ')}, not "${status}"`);
  return status as SubscriberStatus;
}

const day = (d: Date | undefined) => d?.toISOString().slice(0, 10) ?? '';

/** When the address reached its status: subscribed (or confirmed), left, or asked to join. */
function since(x: Subscriber): Date {
  if (x.status === 'subscribed') return x.subscribedAt ?? x.joinedAt;
  if (x.status === 'pending') return x.joinedAt;
  return x.leftAt ?? x.joinedAt;
}

function statusLine(counts: Record<SubscriberStatus, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return `${SUBSCRIBER_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ')} (${total} in all)`;
}

async function list(ctx: CommandContext): Promise<number> {
  const status = statusOption(ctx);
  return withStore(ctx, async (s) => {
    const all = await s.listSubscribers(status);
    if (ctx.options.json) {
      ctx.printJson(all.map(consentRecord));
      return 0;
    }
    const width = Math.max(5, ...all.map((x) => x.email.length));
    for (const x of all) {
      const how = x.status === 'subscribed' || x.status === 'pending' ? `joined via ${x.joinedVia}` : `left via ${x.leftVia ?? 'unrecorded'}`;
      ctx.print(`${x.email.padEnd(width)}  ${x.status.padEnd(12)}  ${day(since(x))}  ${x.name ? `${how.padEnd(24)}  ${x.name}` : how}`);
    }
    ctx.print(status ? `${all.length} ${status}` : statusLine(await s.statusCounts()));
    return 0;
  });
}

const RECORD_FIELDS = ['email', 'name', 'status', 'joined_at', 'joined_via', 'joined_detail', 'confirmed_at', 'subscribed_at', 'left_at', 'left_via', 'left_detail'] as const;
// name, joined_detail and left_detail hold text others typed: guarded against spreadsheet formulas.
const GUARDED = new Set((['name', 'joined_detail', 'left_detail'] as const).map((f) => RECORD_FIELDS.indexOf(f)));

/** One address with its record of consent, as `export` writes it and `list --json` prints it: null where there is nothing. */
function consentRecord(x: Subscriber): Record<(typeof RECORD_FIELDS)[number], string | null> {
  const iso = (d: Date | undefined) => d?.toISOString() ?? null;
  return {
    email: x.email,
    name: x.name ?? null,
    status: x.status,
    joined_at: iso(x.joinedAt),
    joined_via: x.joinedVia,
    joined_detail: x.joinedDetail ?? null,
    confirmed_at: iso(x.confirmedAt),
    subscribed_at: iso(x.subscribedAt),
    left_at: iso(x.leftAt),
    left_via: x.leftVia ?? null,
    left_detail: x.leftDetail ?? null,
  };
}

/** The list with its consent records, as CSV: one row per address. */
export function exportCsv(subscribers: readonly Subscriber[]): string {
  const rows = subscribers.map((x) => {
    const record = consentRecord(x);
    return csvRow(RECORD_FIELDS.map((f) => record[f] ?? ''), GUARDED);
  });
  return [csvRow(RECORD_FIELDS), ...rows].join('\r\n') + '\r\n';
}

async function exportList(ctx: CommandContext): Promise<number> {
  const file = ctx.positionals[1];
  return withStore(ctx, async (s) => {
    const csv = exportCsv(await s.listSubscribers(statusOption(ctx)));
    if (file === undefined) process.stdout.write(csv);
    else {
      await writeFileAtomic(path.resolve(file), csv);
      ctx.print(`wrote ${csv.split('\r\n').length - 2} subscriber(s) to ${file}`);
    }
    return 0;
  });
}

async function stats(ctx: CommandContext): Promise<number> {
  const raw = (ctx.options.issues as string | undefined) ?? '5';
  if (!/^[1-9]\d{0,3}$/.test(raw)) throw new BroadsheetError('USAGE', `--issues must be a number from 1 to 9999, not "${raw}"`);
  return withStore(ctx, async (s) => {
    ctx.print(`subscribers: ${statusLine(await s.statusCounts())}`);
    const issues = await s.issueListStats(Number(raw));
    if (issues.length === 0) {
      ctx.print('no issue sent yet');
      return 0;
    }
    const pct = (n: number, of: number) => (of === 0 ? '-' : `${((n / of) * 100).toFixed(2)}%`);
    ctx.print('issue  accepted  refused  bounces  bounce rate  complaints  complaint rate');
    let over = false;
    for (const i of issues) {
      const sent = i.accepted + i.failed;
      over ||= i.accepted > 0 && i.complaints / i.accepted >= 0.003;
      ctx.print(
        `${String(i.issue).padStart(5)}  ${String(i.accepted).padStart(8)}  ${String(i.failed).padStart(7)}  ${String(i.bounces).padStart(7)}  ${pct(i.bounces, sent).padStart(11)}  ${String(i.complaints).padStart(10)}  ${pct(i.complaints, i.accepted).padStart(14)}`,
      );
    }
    ctx.print('bounce rate: bounced addresses / messages sent; complaint rate: complaints / messages accepted');
    if (over) ctx.print('warning: a complaint rate of 0.3% or more: Gmail and Yahoo send such mail to spam');
    return 0;
  });
}

/** What `import` printed about each outcome of the store's, in the order of its summary. */
function importSummary(outcomes: readonly ImportOutcome[], skipped: number, invalid: number): string {
  const n = (...which: ImportOutcome[]) => outcomes.filter((o) => which.includes(o)).length;
  return (
    `${n('added')} added, ${n('renamed')} renamed, ${n('unchanged')} already subscribed, ` +
    `${n('kept-unsubscribed', 'kept-bounced', 'kept-complained')} left unsubscribed, bounced or complained, ` +
    `${n('recorded-left')} recorded as left at the source, ${n('kept-subscribed')} kept subscribed (confirmed or joined here), ${skipped} skipped, ${invalid} invalid`
  );
}

/** The rows the store takes: all but those the source never confirmed (or, with `leftOnly`, only those who left there). */
function forStore(rows: readonly SourceRow[], leftOnly = false): ImportedSubscriber[] {
  return rows.flatMap(({ line: _line, status, ...row }) => (status === 'unconfirmed' || (leftOnly && status === 'subscribed') ? [] : [{ ...row, status }]));
}

async function importList(ctx: CommandContext): Promise<number> {
  const file = ctx.positionals[1];
  if (file === undefined) throw new BroadsheetError('USAGE', `subscribers import needs a CSV file: an export of ${KNOWN_SOURCES}, or a header row naming an "email" column`);
  const map = ctx.options.map === undefined ? {} : parseColumnMap(ctx.options.map as string);
  const shown = path.relative(process.cwd(), path.resolve(file)) || file;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `cannot read ${shown}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const read = readImportFile(bytes, shown, map);
  ctx.print(`${shown}: ${read.description}`);
  const join: JoinRecord = { via: 'import', detail: path.basename(file) };
  // Rows on the source's list that never confirmed there are only ever asked to confirm.
  const unconfirmed = read.rows.filter((r) => r.status === 'unconfirmed').length;
  if (unconfirmed > 0 && !ctx.options.confirm) read.skipped.set('never confirmed at the source; import --confirm asks them', unconfirmed);
  const skipped = [...read.skipped.values()].reduce((a, b) => a + b, 0);
  if (skipped > 0) ctx.print(`skipped ${skipped} row(s): ${[...read.skipped].map(([reason, count]) => `${reason} (${count})`).join(', ')}`);
  if (ctx.options.confirm) await importToConfirm(ctx, read.rows, join, shown, skipped);
  else {
    const outcomes = await withStore(ctx, (s) => s.importSubscribers(forStore(read.rows), ctx.clock.now(), join));
    ctx.print(`imported ${shown}: ${importSummary(outcomes, skipped, read.problems.length)}`);
  }
  if (read.problems.length > 0) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `${read.problems.length} row(s) of ${shown} were not imported; the ${read.rows.length} valid row(s) were`, { problems: read.problems });
  }
  return 0;
}

/**
 * `import --confirm`: the addresses on the source's list are asked to
 * confirm, as if each had used the form (new ones become `pending`), within
 * the per-address share of confirmation mails; those who left here stay out,
 * and those who left at the source are recorded so, and mailed nothing.
 */
async function importToConfirm(ctx: CommandContext, rows: readonly SourceRow[], join: JoinRecord, shown: string, skipped: number): Promise<void> {
  const secret = ctx.env.BROADSHEET_SECRET;
  if (!ctx.env.SMTP_URL) throw new BroadsheetError('SMTP_NOT_CONFIGURED', 'SMTP_URL is not set; import --confirm sends a confirmation mail to each new address');
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; it signs the confirmation links');
  await withStore(ctx, async (store, config) => {
    if (!config.email) throw new BroadsheetError('CONFIG_INVALID', `${config.file} has no email section; confirmation mails need email.from`);
    const [{ openConfirmationMailer }, { loadDkim }, { askToJoin }] = await Promise.all([import('../list/mailer.js'), import('../delivery/transport.js'), import('../list/subscribe.js')]);
    const mailer = await openConfirmationMailer({ config, secret, smtpUrl: ctx.env.SMTP_URL!, dkim: await loadDkim(config), clock: ctx.clock, log: ctx.log });
    const tally: Record<SubscribeOutcome, number> = { confirm: 0, limited: 0, subscribed: 0, kept: 0 };
    const mails = { sent: 0, refused: 0, failed: 0 };
    let recorded = 0;
    try {
      for (const o of await store.importSubscribers(forStore(rows, true), ctx.clock.now(), join)) {
        if (o === 'recorded-left') recorded++;
        else tally[o === 'kept-subscribed' ? 'subscribed' : 'kept']++;
      }
      const pending: Promise<void>[] = [];
      for (const v of rows.filter((r) => r.status === 'subscribed' || r.status === 'unconfirmed')) {
        const { outcome, mail } = await askToJoin({ config, store, mailer }, { email: v.email, name: v.name, join, at: ctx.clock.now(), reopen: false });
        tally[outcome]++;
        if (mail) pending.push(mail.then((m) => void mails[m]++));
      }
      await Promise.all(pending);
    } finally {
      await mailer.close();
    }
    ctx.print(
      `imported ${shown} to confirm: ${tally.confirm} asked to confirm (${mails.sent} mail(s) sent, ${mails.refused} refused, ${mails.failed} not sent), ` +
        `${tally.limited} already asked too often today, ${tally.subscribed} already subscribed, ${tally.kept} left unsubscribed, bounced or complained, ` +
        `${recorded} recorded as left at the source, ${skipped} skipped`,
    );
    if (mails.failed > 0) throw new BroadsheetError('SEND_INCOMPLETE', `${mails.failed} confirmation mail(s) could not be sent; run the import again later (addresses asked too often are skipped)`);
  });
}

export const subscribersCommand: Command = {
  name: 'subscribers',
  summary: 'add, remove, list, import or export the list; its statistics',
  usage: USAGE,
  help: [
    '  add <email> [--name <name>]   subscribe one address (again, if it had unsubscribed or bounced)',
    '  remove <email>                unsubscribe it; the record stays so that an import cannot bring it back',
    '  list [--status <status>]      every address (or those with one status: pending, subscribed, unsubscribed,',
    '                                bounced, complained), since when, and how it joined or left; --json: each with',
    '                                its record of consent, as export has it, in one JSON array',
    '  import <file.csv>             an export of Mailchimp, Substack, Buttondown, Ghost or listmonk (recognised by',
    '                                its header, with each address\'s status and original dates), or a header row',
    '                                with an "email" and optionally a "name" column; "," or ";" separated. Safe to',
    '                                repeat; addresses that left, here or at the source, are never mailed or brought',
    '                                back; invalid rows are listed with their line numbers and the valid ones imported',
    '    --map email=<column>,name=<column>',
    '                                the columns to read, whatever the file (name=First+Last joins two with a space)',
    '    --confirm                   mail each new address a confirmation link instead of subscribing it (needs SMTP_URL)',
    '  export [<file.csv>]           the list with its consent records as CSV (to stdout without a file)',
    '  stats [--issues <n>]          counts by status, and the bounce and complaint rates of the last n issues (5)',
  ].join('\n'),
  options: { name: { type: 'string' }, status: { type: 'string' }, confirm: { type: 'boolean' }, issues: { type: 'string' }, map: { type: 'string' }, json: { type: 'boolean' } },
  subcommands: { add: ['<email>'], remove: ['<email>'], list: [], import: ['<file.csv>'], export: ['[file.csv]'], stats: [] },
  usesSecret: (positionals, options) => positionals[0] === 'import' && options.confirm === true,
  async run(ctx) {
    // The command line was checked against `subcommands` before this runs.
    const sub = ctx.positionals[0] as 'add' | 'remove' | 'list' | 'import' | 'export' | 'stats';
    return { add, remove, list, import: importList, export: exportList, stats }[sub](ctx);
  },
};
