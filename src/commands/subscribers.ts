import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { cleanName, normaliseAddress } from '../delivery/address.js';
import { parseCsv } from '../delivery/csv.js';
import type { AddOutcome } from '../delivery/model.js';
import type { Store } from '../store/store.js';
import { BroadsheetError, type Problem } from '../errors.js';
import type { Command, CommandContext } from './types.js';

const USAGE = [
  'subscribers add <email> [--name <name>]',
  'subscribers remove <email>',
  'subscribers list',
  'subscribers import <file.csv>',
];

function address(input: string | undefined, what: string): string {
  if (input === undefined) throw new BroadsheetError('USAGE', `${what} needs an address (see broadsheet subscribers --help)`);
  const a = normaliseAddress(input);
  if (!a.ok) throw new BroadsheetError('SUBSCRIBER_INVALID', a.reason);
  return a.email;
}

async function withStore<T>(ctx: CommandContext, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
  // Imported here so that other commands do not load SQLite.
  const { openStore } = await import('../store/open.js');
  const store = await openStore(config.paths.data);
  try {
    return await fn(store);
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
};

async function add(ctx: CommandContext): Promise<number> {
  const email = address(ctx.positionals[1], 'subscribers add');
  const name = cleanName(ctx.options.name as string | undefined);
  const [outcome] = await withStore(ctx, (s) => s.addSubscribers([{ email, name }], ctx.clock.now(), { resubscribe: true }));
  ctx.print(`${ADD_MESSAGES[outcome!]} ${email}`);
  return 0;
}

async function remove(ctx: CommandContext): Promise<number> {
  const email = address(ctx.positionals[1], 'subscribers remove');
  return withStore(ctx, async (s) => {
    if (!(await s.getSubscriber(email))) throw new BroadsheetError('SUBSCRIBER_INVALID', `${email} is not on the list`);
    ctx.print((await s.unsubscribe(email, ctx.clock.now())) ? `unsubscribed ${email}` : `${email} was already unsubscribed`);
    return 0;
  });
}

async function list(ctx: CommandContext): Promise<number> {
  return withStore(ctx, async (s) => {
    const all = await s.listSubscribers();
    const width = Math.max(5, ...all.map((x) => x.email.length));
    for (const x of all) {
      const since = (x.status === 'subscribed' ? x.subscribedAt : x.unsubscribedAt ?? x.subscribedAt).toISOString().slice(0, 10);
      ctx.print(`${x.email.padEnd(width)}  ${x.status.padEnd(12)}  ${since}${x.name ? `  ${x.name}` : ''}`);
    }
    const subscribed = all.filter((x) => x.status === 'subscribed').length;
    ctx.print(`${subscribed} subscribed, ${all.length - subscribed} unsubscribed`);
    return 0;
  });
}

async function importCsv(ctx: CommandContext): Promise<number> {
  const file = ctx.positionals[1];
  if (file === undefined) throw new BroadsheetError('USAGE', 'subscribers import needs a CSV file with a header row: email,name');
  const shown = path.relative(process.cwd(), path.resolve(file)) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `cannot read ${shown}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const csv = parseCsv(text);
  if (!csv.ok) throw new BroadsheetError('SUBSCRIBER_INVALID', `${shown} is not valid CSV`, { problems: [{ file: shown, line: csv.line, message: csv.message }] });
  if (!csv.header.includes('email')) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `${shown} has no "email" column`, {
      problems: [{ file: shown, line: 1, message: `the header row must name an "email" column (found: ${csv.header.join(', ') || 'nothing'})` }],
    });
  }
  const problems: Problem[] = [];
  const valid: { email: string; name: string | undefined }[] = [];
  for (const r of csv.records) {
    const a = normaliseAddress(r.fields.email ?? '');
    if (a.ok) valid.push({ email: a.email, name: cleanName(r.fields.name) });
    else problems.push({ file: shown, line: r.line, field: 'email', message: a.reason });
  }
  const tally: Record<AddOutcome, number> = { added: 0, resubscribed: 0, renamed: 0, unchanged: 0, 'kept-unsubscribed': 0 };
  const outcomes = await withStore(ctx, (s) => s.addSubscribers(valid, ctx.clock.now(), { resubscribe: false }));
  for (const o of outcomes) tally[o]++;
  ctx.print(
    `imported ${shown}: ${tally.added} added, ${tally.renamed} renamed, ${tally.unchanged} already subscribed, ` +
      `${tally['kept-unsubscribed']} left unsubscribed, ${problems.length} invalid`,
  );
  if (problems.length > 0) {
    throw new BroadsheetError('SUBSCRIBER_INVALID', `${problems.length} row(s) of ${shown} were not imported; the ${valid.length} valid row(s) were`, { problems });
  }
  return 0;
}

export const subscribersCommand: Command = {
  name: 'subscribers',
  summary: 'add, remove, list or import the addresses the digest goes to',
  usage: USAGE,
  help: [
    '  add <email> [--name <name>]   subscribe one address (again, if it had unsubscribed)',
    '  remove <email>                unsubscribe it; the record stays so that an import cannot bring it back',
    '  list                          every address with its status (subscribed or unsubscribed) and since when',
    '  import <file.csv>             a header row with "email" and optionally "name" columns; others are ignored.',
    '                                Safe to repeat; addresses that unsubscribed stay unsubscribed;',
    '                                invalid rows are listed with their line numbers and the valid ones imported',
  ].join('\n'),
  options: { name: { type: 'string' } },
  subcommands: { add: ['<email>'], remove: ['<email>'], list: [], import: ['<file.csv>'] },
  async run(ctx) {
    // The command line was checked against `subcommands` before this runs.
    const sub = ctx.positionals[0] as 'add' | 'remove' | 'list' | 'import';
    return { add, remove, list, import: importCsv }[sub](ctx);
  },
};
