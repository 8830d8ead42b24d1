import { loadConfig } from '../config/load.js';
import { normaliseAddress } from '../delivery/address.js';
import type { JobOptions, JobProgress, NotMailed } from '../pipeline/digest-job.js';
import { BroadsheetError } from '../errors.js';
import type { Command, CommandContext } from './types.js';
import { storeUrl } from './store-url.js';

/** The progress of a send as one status line, redrawn at most ten times a second. */
function progressLine(status: CommandContext['status']): (p: JobProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 100 && p.done < p.total) return;
    last = now;
    const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
    const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
    status.show(`issue ${p.issue} [${bar}] ${p.done}/${p.total}  accepted ${p.accepted}  failed ${p.failed}  pending ${p.pending}`);
  };
}

/** The addresses a run leaves out, and why: only subscribed ones are mailed. */
function notMailedLine(n: NotMailed): string {
  return `not mailed: ${n.pending} pending confirmation, ${n.unsubscribed} unsubscribed, ${n.bounced} bounced, ${n.complained} complained`;
}

export const sendCommand: Command = {
  name: 'send',
  summary: 'email the current digest issue to every subscriber (resuming an unfinished one)',
  usage: ['send [--workers <n>] [--new-ledger]', 'send --dry-run [--subject-prefix <text>] [--new-ledger]', 'send --to <address> [--subject-prefix <text>]'],
  help: [
    '  --dry-run       write one .eml per recipient to <output>/outbox/ and send nothing',
    '  --to <address>  send one test copy of the current issue to <address>; records nothing',
    '  --subject-prefix <text>',
    '                  put <text> before the subject of test copies; "[TEST]" by default with --to,',
    '                  nothing with --dry-run; --subject-prefix "" for none',
    '  --workers <n>   with DATABASE_URL (PostgreSQL): n senders in this process, each with',
    '                  email.maxConnections connections, sharing the issue with every other',
    '                  `broadsheet send` on the database (this machine or others); 1 by default',
    '  --new-ledger    send although <output>/issues/latest.json records later issues than the',
    '                  ledger in the data folder knows (it was lost): start a new ledger',
    '',
    'Needs SMTP_URL (except with --dry-run) and BROADSHEET_SECRET. Safe to run again: nobody',
    'whose copy was accepted gets another; temporary failures are retried, and given up after',
    'email.giveUp. A server that is down stops the run at once. SIGTERM or SIGINT: no new message,',
    '5 s for those on the wire, then their connections are cut (the next run sends them again).',
    'Exit status 1 when any delivery failed or is still pending, or when the ledger of earlier',
    'issues is missing.',
  ].join('\n'),
  options: { 'dry-run': { type: 'boolean' }, to: { type: 'string' }, 'subject-prefix': { type: 'string' }, 'new-ledger': { type: 'boolean' }, workers: { type: 'string' } },
  args: [],
  usesSecret: true,
  async run(ctx) {
    const dryRun = ctx.options['dry-run'] === true;
    const to = ctx.options.to as string | undefined;
    if (dryRun && to !== undefined) throw new BroadsheetError('USAGE', '--dry-run and --to cannot be combined');
    const workers = parseWorkers(ctx.options.workers as string | undefined);
    if (workers !== 1 && (dryRun || to !== undefined)) throw new BroadsheetError('USAGE', '--workers goes with a real send, not with --dry-run or --to');
    const prefixOption = ctx.options['subject-prefix'] as string | undefined;
    if (prefixOption !== undefined && !dryRun && to === undefined) {
      throw new BroadsheetError('USAGE', '--subject-prefix marks test copies: use it with --to or --dry-run (the subject of the real issue is digest.subject in the config)');
    }
    // A test copy says so in the inbox unless asked otherwise (--subject-prefix "").
    const subjectPrefix = prefixOption === undefined ? (to !== undefined ? '[TEST] ' : '') : prefixOption === '' ? '' : `${prefixOption.trimEnd()} `;
    const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    // Loaded here, not at startup: nodemailer and the content pipeline are only needed by a send.
    const { assertDigestEnabled } = await import('../pipeline/digest-job.js');
    assertDigestEnabled(config);
    if (!dryRun && !ctx.env.SMTP_URL) {
      throw new BroadsheetError('SMTP_NOT_CONFIGURED', 'SMTP_URL is not set; set it to smtp://user:password@host:587 (or use --dry-run to write the messages to disk)');
    }
    const { openStore } = await import('../store/open.js');
    // On its own thread: the ledger's commits do not hold up the connections.
    const url = storeUrl(config, ctx.env, ctx.log);
    if (workers !== 1 && !url) throw new BroadsheetError('USAGE', '--workers needs a store several senders can share: set DATABASE_URL to a PostgreSQL database (with SQLite, one sender works with email.maxConnections connections)');
    const store = await openStore(config.paths.data, { thread: true, url });
    try {
      return await send(ctx, { config, store, clock: ctx.clock, log: ctx.log, signal: ctx.signal, env: ctx.env, subjectPrefix, newLedger: ctx.options['new-ledger'] === true, workers }, { dryRun, to });
    } finally {
      await store.close();
    }
  },
};

/** `--workers`: 1 to 64 senders in this process. */
function parseWorkers(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d{1,2}$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new BroadsheetError('USAGE', `--workers must be a number from 1 to 64, not "${value}"`);
  return Number(value);
}

async function send(ctx: CommandContext, base: Omit<JobOptions, 'dryRun'>, { dryRun, to }: { dryRun: boolean; to: string | undefined }): Promise<number> {
  const { runDigestJob, sendTestCopy, notMailed } = await import('../pipeline/digest-job.js');
  if (to !== undefined) {
    const a = normaliseAddress(to);
    if (!a.ok) throw new BroadsheetError('USAGE', `--to: ${a.reason}`);
    const r = await sendTestCopy({ ...base, to: a.email });
    ctx.print(`test copy of issue ${r.issue} sent to ${a.email} (${r.messageId}); the ledger is unchanged`);
    return 0;
  }

  let result;
  try {
    result = await runDigestJob({ ...base, dryRun, ...(ctx.isTTY ? { progress: progressLine(ctx.status) } : {}) });
  } finally {
    ctx.status.end();
  }
  if (result.kind === 'nothing-new') {
    ctx.print('nothing to send: no article was published since the last issue');
    return 0;
  }
  if (result.kind === 'written') {
    ctx.print(`issue ${result.issue}: messages written to ${result.dir}; nothing was sent`);
    ctx.print(notMailedLine(await notMailed(base.store)));
    return 0;
  }
  const failed = `${result.failed} failed${result.givenUp > 0 ? ` (${result.givenUp} given up after temporary failures, see email.giveUp)` : ''}`;
  ctx.print(`issue ${result.issue}: ${result.accepted} accepted, ${failed}, ${result.pending} pending`);
  ctx.print(notMailedLine(await notMailed(base.store)));
  if (result.failed > 0 || result.pending > 0) {
    throw new BroadsheetError(
      'SEND_INCOMPLETE',
      `issue ${result.issue} is not fully delivered: ${failed}, ${result.pending} pending` +
        (result.pending > 0 ? '; run broadsheet send again to retry the pending ones' : ''),
    );
  }
  return 0;
}
