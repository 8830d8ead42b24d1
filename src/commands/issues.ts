import { loadConfig } from '../config/load.js';
import { DELIVERY_STATES, type DeliveryCounts, type StoredIssue } from '../delivery/model.js';
import { BroadsheetError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Command, CommandContext } from './types.js';
import { storeUrl } from './store-url.js';

interface IssueSummary {
  number: number;
  subject: string;
  createdAt: string;
  sentAt: string | null;
  entries: string[];
  deliveries: DeliveryCounts & { total: number };
}

async function summary(store: Store, issue: StoredIssue): Promise<IssueSummary> {
  const counts = await store.counts(issue.number);
  const total = DELIVERY_STATES.reduce((n, s) => n + counts[s], 0);
  return {
    number: issue.number,
    subject: issue.subject,
    createdAt: issue.createdAt.toISOString(),
    sentAt: issue.sentAt?.toISOString() ?? null,
    entries: issue.entrySlugs,
    deliveries: { ...counts, total },
  };
}

const countsText = (c: DeliveryCounts) => DELIVERY_STATES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`).join(', ') || 'no deliveries';

async function withStore<T>(ctx: CommandContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
  const { openExistingStore } = await import('../store/open.js');
  const store = await openExistingStore(config.paths.data, { url: storeUrl(config, ctx.env, ctx.log) });
  if (!store) throw new BroadsheetError('USAGE', `no issue has been created yet: ${config.paths.data} holds no database (run broadsheet send first)`);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function list(ctx: CommandContext): Promise<number> {
  return withStore(ctx, async (store) => {
    const all = await Promise.all((await store.listIssues()).map((i) => summary(store, i)));
    if (ctx.options.json) {
      ctx.printJson(all);
      return 0;
    }
    if (all.length === 0) ctx.print('no issue has been created yet');
    for (const i of all) {
      const state = i.sentAt ? `sent ${i.sentAt.slice(0, 10)}` : 'unfinished';
      ctx.print(`${String(i.number).padStart(4)}  ${i.createdAt.slice(0, 10)}  ${state.padEnd(15)}  ${i.subject}`);
      ctx.print(`      ${i.entries.length} entr${i.entries.length === 1 ? 'y' : 'ies'}; ${countsText(i.deliveries)}`);
    }
    return 0;
  });
}

async function show(ctx: CommandContext): Promise<number> {
  const raw = ctx.positionals[1]!;
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new BroadsheetError('USAGE', `issues show needs an issue number such as 3, not "${raw}"`);
  const number = Number(raw);
  return withStore(ctx, async (store) => {
    const issue = await store.getIssue(number);
    if (!issue) {
      const latest = await store.latestIssue();
      throw new BroadsheetError('USAGE', `there is no issue ${number}${latest ? ` (issues 1 to ${latest.number} exist)` : ''}`);
    }
    const s = await summary(store, issue);
    const problems = (await store.deliveries(number))
      .filter((d) => d.state === 'failed' || d.state === 'pending' || d.state === 'submitted')
      .map((d) => ({ email: d.email, state: d.state, attempts: d.attempts, reply: d.lastReply ?? null }));
    if (ctx.options.json) {
      ctx.printJson({ ...s, preheader: issue.preheader, problems });
      return 0;
    }
    ctx.print(`issue ${s.number}: ${s.subject}`);
    ctx.print(`  created   ${s.createdAt}`);
    ctx.print(`  sent      ${s.sentAt ?? 'not finished: broadsheet send resumes it'}`);
    ctx.print(`  carried   ${s.entries.join(', ')}`);
    ctx.print(`  delivery  ${countsText(s.deliveries)} (of ${s.deliveries.total})`);
    for (const p of problems) ctx.print(`  ${p.state.padEnd(9)} ${p.email}  after ${p.attempts} attempt(s)${p.reply ? `: ${p.reply}` : ''}`);
    return 0;
  });
}

export const issuesCommand: Command = {
  name: 'issues',
  summary: 'list the digest issues, or show one: what it carried and how its deliveries went',
  usage: ['issues list [--json]', 'issues show <number> [--json]'],
  help: [
    '  list           every issue, newest first: date, state, subject, deliveries by state',
    '  show <number>  one issue: what it carried, deliveries by state, and each failed or pending',
    '                 delivery with the server\'s last reply',
    '  --json         one JSON document on stdout instead of text',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  subcommands: { list: [], show: ['<number>'] },
  run: (ctx) => (ctx.positionals[0] === 'show' ? show(ctx) : list(ctx)),
};
