import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../config/load.js';
import { cleanName, normaliseAddress } from '../delivery/address.js';
import { csvRow, parseCsv } from '../delivery/csv.js';
import { SUBSCRIBER_STATUSES, type AddOutcome, type JoinRecord, type SubscribeOutcome, type Subscriber, type SubscriberStatus } from '../delivery/model.js';
import type { Store } from '../store/store.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { decodeUtf8 } from '../util/utf8.js';
import type { Command, CommandContext } from './types.js';
import { storeUrl } from './store-url.js';

const USAGE = [
  'subscribers add <email> [--name <name>]',
  'subscribers remove <email>',
  'subscribers list [--status <status>]',
  'subscribers import <file.csv> [--confirm]',
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
    const width = Math.max(5, ...all.map((x) => x.email.length));
    for (const x of all) {
      const how = x.status === 'subscribed' || x.status === 'pending' ? `joined via ${x.joinedVia}` : `left via ${x.leftVia ?? 'unrecorded'}`;
      ctx.print(`${x.email.padEnd(width)}  ${x.status.padEnd(12)}  ${day(since(x))}  ${x.name ? `${how.padEnd(24)}  ${x.name}` : how}`);
    }
    ctx.print(status ? `${all.length} ${status}` : statusLine(await s.statusCounts()));
    return 0;
  });
}

const EXPORT_HEADER = ['email', 'name', 'status', 'joined_at', 'joined_via', 'joined_detail', 'confirmed_at', 'subscribed_at', 'left_at', 'left_via', 'left_detail'];
// name, joined_detail and left_detail hold text others typed: guarded against spreadsheet formulas.
const GUARDED = new Set([1, 5, 10]);

/** The list with its consent records, as CSV: one row per address. */
export function exportCsv(subscribers: readonly Subscriber[]): string {
  const iso = (d: Date | undefined) => d?.toISOString() ?? '';
  const rows = subscribers.map((x) =>
    csvRow([x.email, x.name ?? '', x.status, iso(x.joinedAt), x.joinedVia, x.joinedDetail ?? '', iso(x.confirmedAt), iso(x.subscribedAt), iso(x.leftAt), x.leftVia ?? '', x.leftDetail ?? ''], GUARDED),
  );
  return [csvRow(EXPORT_HEADER), ...rows].join('\r\n') + '\r\n';
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

async function readCsvFile(file: string, shown: string): Promise<{ valid: { email: string; name: string | undefined }[]; problems: Problem[] }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `cannot read ${shown}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  // A Latin-1 or Windows-1252 export would otherwise import as mojibake, names and addresses alike.
  const text = decodeUtf8(bytes);
  if (!text.ok) throw new BroadsheetError('SUBSCRIBER_INVALID', `${shown} is not UTF-8; nothing was imported`, { problems: [{ file: shown, line: text.line, message: text.message }] });
  const csv = parseCsv(text.text);
  if (!csv.ok) throw new BroadsheetError('SUBSCRIBER_INVALID', `${shown} is not valid CSV`, { problems: [{ file: shown, line: csv.line, message: csv.message }] });
  if (!csv.header.includes('email')) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `${shown} has no "email" column`, {
      problems: [{ file: shown, line: 1, message: `the header row must name an "email" column (found: ${csv.header.join(', ') || 'nothing'})` }],
    });
  }
  // Two columns with one name would leave the last one to win, silently.
  for (const column of ['email', 'name']) {
    const at = csv.header.flatMap((h, i) => (h === column ? [i + 1] : []));
    if (at.length > 1) {
      throw new BroadsheetError('SUBSCRIBER_INVALID', `${shown} has ${at.length} "${column}" columns; nothing was imported`, {
        problems: [{ file: shown, line: 1, message: `columns ${at.join(' and ')} are both "${column}" (names are compared without case and surrounding spaces); keep one` }],
      });
    }
  }
  const problems: Problem[] = [];
  const valid: { email: string; name: string | undefined }[] = [];
  for (const r of csv.records) {
    const a = normaliseAddress(r.fields.email ?? '');
    if (a.ok) valid.push({ email: a.email, name: cleanName(r.fields.name) });
    else problems.push({ file: shown, line: r.line, field: 'email', message: a.reason });
  }
  return { valid, problems };
}

async function importCsv(ctx: CommandContext): Promise<number> {
  const file = ctx.positionals[1];
  if (file === undefined) throw new BroadsheetError('USAGE', 'subscribers import needs a CSV file with a header row: email,name');
  const shown = path.relative(process.cwd(), path.resolve(file)) || file;
  const { valid, problems } = await readCsvFile(file, shown);
  const join: JoinRecord = { via: 'import', detail: path.basename(file) };
  if (ctx.options.confirm) await importToConfirm(ctx, valid, join, shown);
  else {
    const tally: Record<AddOutcome, number> = { added: 0, resubscribed: 0, renamed: 0, unchanged: 0, 'kept-unsubscribed': 0, 'kept-bounced': 0, 'kept-complained': 0 };
    const outcomes = await withStore(ctx, (s) => s.addSubscribers(valid, ctx.clock.now(), { resubscribe: false, join }));
    for (const o of outcomes) tally[o]++;
    const left = tally['kept-unsubscribed'] + tally['kept-bounced'] + tally['kept-complained'];
    ctx.print(`imported ${shown}: ${tally.added} added, ${tally.renamed} renamed, ${tally.unchanged} already subscribed, ${left} left unsubscribed, bounced or complained, ${problems.length} invalid`);
  }
  if (problems.length > 0) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `${problems.length} row(s) of ${shown} were not imported; the ${valid.length} valid row(s) were`, { problems });
  }
  return 0;
}

/**
 * `import --confirm`: the addresses are asked to confirm, as if each had
 * used the form (new ones become `pending`), within the per-address share of
 * confirmation mails; those who left stay out.
 */
async function importToConfirm(ctx: CommandContext, valid: readonly { email: string; name: string | undefined }[], join: JoinRecord, shown: string): Promise<void> {
  const secret = ctx.env.BROADSHEET_SECRET;
  if (!ctx.env.SMTP_URL) throw new BroadsheetError('SMTP_NOT_CONFIGURED', 'SMTP_URL is not set; import --confirm sends a confirmation mail to each new address');
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; it signs the confirmation links');
  await withStore(ctx, async (store, config) => {
    if (!config.email) throw new BroadsheetError('CONFIG_INVALID', `${config.file} has no email section; confirmation mails need email.from`);
    const [{ openConfirmationMailer }, { loadDkim }, { askToJoin }] = await Promise.all([import('../list/mailer.js'), import('../delivery/transport.js'), import('../list/subscribe.js')]);
    const mailer = await openConfirmationMailer({ config, secret, smtpUrl: ctx.env.SMTP_URL!, dkim: await loadDkim(config), clock: ctx.clock, log: ctx.log });
    const tally: Record<SubscribeOutcome, number> = { confirm: 0, limited: 0, subscribed: 0, kept: 0 };
    const mails = { sent: 0, refused: 0, failed: 0 };
    try {
      const pending: Promise<void>[] = [];
      for (const v of valid) {
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
        `${tally.limited} already asked too often today, ${tally.subscribed} already subscribed, ${tally.kept} left unsubscribed, bounced or complained`,
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
    '                                bounced, complained), since when, and how it joined or left',
    '  import <file.csv> [--confirm] a header row with "email" and optionally "name" columns; others are ignored.',
    '                                Safe to repeat; addresses that left stay out; invalid rows are listed with their',
    '                                line numbers and the valid ones imported. --confirm: mail each new address a',
    '                                confirmation link instead of subscribing it (needs SMTP_URL)',
    '  export [<file.csv>]           the list with its consent records as CSV (to stdout without a file)',
    '  stats [--issues <n>]          counts by status, and the bounce and complaint rates of the last n issues (5)',
  ].join('\n'),
  options: { name: { type: 'string' }, status: { type: 'string' }, confirm: { type: 'boolean' }, issues: { type: 'string' } },
  subcommands: { add: ['<email>'], remove: ['<email>'], list: [], import: ['<file.csv>'], export: ['[file.csv]'], stats: [] },
  usesSecret: (positionals, options) => positionals[0] === 'import' && options.confirm === true,
  async run(ctx) {
    // The command line was checked against `subcommands` before this runs.
    const sub = ctx.positionals[0] as 'add' | 'remove' | 'list' | 'import' | 'export' | 'stats';
    return { add, remove, list, import: importCsv, export: exportList, stats }[sub](ctx);
  },
};
