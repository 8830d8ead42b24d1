import type { Config } from '../config/load.js';
import { BroadsheetError } from '../errors.js';
import type { InboundServer } from '../inbound/smtp.js';
import type { MailboxTally } from '../inbound/mailbox.js';
import type { Store } from '../store/store.js';
import { untilAborted } from '../util/abort.js';
import { parsePort } from './options.js';
import type { Command, CommandContext } from './types.js';
import { storeUrl } from './store-url.js';

/** What reading reports needs, checked before anything listens or is read. */
function requireInbound(config: Config, ctx: CommandContext): string {
  if (!config.email) {
    throw new BroadsheetError('CONFIG_INVALID', `${config.file} has no email section; the list's bounce and unsubscribe addresses come from it`, {
      problems: [{ file: config.file, field: 'email', message: 'is required to receive bounces and unsubscribe requests' }],
    });
  }
  const secret = ctx.env.BROADSHEET_SECRET;
  if (!secret) throw new BroadsheetError('SECRET_MISSING', 'BROADSHEET_SECRET is not set; it is how VERP addresses and unsubscribe tokens in reports are checked');
  return secret;
}

/** Starts the SMTP receiver for `inbound` and `serve --inbound`. */
export async function startReceiver(ctx: CommandContext, config: Config, store: Store, where: { host: string; port: number }): Promise<InboundServer> {
  const secret = requireInbound(config, ctx);
  const [{ mailHandler }, { startInbound }] = await Promise.all([import('../inbound/process.js'), import('../inbound/smtp.js')]);
  const handler = mailHandler({ config, secret, store, clock: ctx.clock, log: ctx.log });
  return startInbound({ handler, ...where, maxMessageBytes: config.inbound.maxMessageBytes, log: ctx.log });
}

function summary(t: MailboxTally, quarantineDir: string): string {
  return (
    `read ${t.read} mail(s): ${t.hardBounces} hard bounce(s), ${t.softBounces} soft bounce(s), ${t.complaints} complaint(s), ${t.unsubscribes} unsubscribe request(s); ` +
    `${t.applied} changed a subscriber, ${t.recorded} recorded, ${t.duplicate} already read, ${t.ignored} needed nothing, ${t.quarantined} quarantined in ${quarantineDir}`
  );
}

export const inboundCommand: Command = {
  name: 'inbound',
  summary: 'read bounces, complaints and mailed unsubscribes (SMTP receiver, Maildir or mbox)',
  usage: ['inbound [--host <address>] [--port <n>]', 'inbound --maildir <dir> [--all]', 'inbound --mbox <file>'],
  help: [
    '  --host <address>  address the SMTP receiver listens on (default: inbound.host, 127.0.0.1)',
    '  --port <n>        its port; 0 picks a free one (default: inbound.port, 2525)',
    '  --maildir <dir>   read the messages in <dir>/new once (then moved to cur/, seen), and exit',
    '  --all             with --maildir, read the messages already in cur/ as well',
    '  --mbox <file>     read every message of an mbox file once, and exit',
    '',
    'The receiver takes mail for the list\'s addresses only (email.returnPath, email.unsubscribeMailto)',
    'and refuses the rest. Mail it cannot understand is kept in inbound.quarantine. Needs BROADSHEET_SECRET.',
  ].join('\n'),
  options: { host: { type: 'string' }, port: { type: 'string' }, maildir: { type: 'string' }, mbox: { type: 'string' }, all: { type: 'boolean' } },
  usesSecret: true,
  async run(ctx) {
    const maildir = ctx.options.maildir as string | undefined;
    const mbox = ctx.options.mbox as string | undefined;
    if (maildir !== undefined && mbox !== undefined) throw new BroadsheetError('USAGE', '--maildir and --mbox cannot be combined');
    if (ctx.options.all && maildir === undefined) throw new BroadsheetError('USAGE', '--all goes with --maildir');
    const { loadConfig } = await import('../config/load.js');
    const config = await loadConfig(ctx.configFile, { outDir: ctx.outDir });
    const port = parsePort(ctx.options.port as string | undefined) ?? config.inbound.port;
    const host = (ctx.options.host as string | undefined) ?? config.inbound.host;
    const secret = requireInbound(config, ctx);
    const { openStore } = await import('../store/open.js');
    const store = await openStore(config.paths.data, { url: storeUrl(config, ctx.env, ctx.log) });
    try {
      if (maildir === undefined && mbox === undefined) {
        const receiver = await startReceiver(ctx, config, store, { host, port });
        await untilAborted(ctx.signal);
        await receiver.close();
        ctx.log.info('receiver stopped');
        return 0;
      }
      const [{ mailHandler }, { readMaildir, readMbox }] = await Promise.all([import('../inbound/process.js'), import('../inbound/mailbox.js')]);
      const handler = mailHandler({ config, secret, store, clock: ctx.clock, log: ctx.log });
      const started = performance.now();
      const tally = maildir !== undefined ? await readMaildir(maildir, handler, { all: ctx.options.all === true, signal: ctx.signal }) : await readMbox(mbox!, handler, { signal: ctx.signal });
      ctx.print(summary(tally, config.paths.quarantine));
      ctx.log.info('mailbox read', { mails: tally.read, ms: Math.round(performance.now() - started) });
      return 0;
    } finally {
      await store.close();
    }
  },
};
