import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { ReportKind, ReportOutcome } from '../delivery/model.js';
import { verifyUnsubscribeToken } from '../delivery/tokens.js';
import { findVerp, readVerp } from '../delivery/verp.js';
import type { Logger } from '../log.js';
import { listAddresses, type ListAddresses } from './addresses.js';
import { parseMail, type MailFacts } from './parse.js';
import type { InboundStore } from './ports.js';
import { quarantine } from './quarantine.js';
import { readMail, type Reading } from './read.js';

export interface InboundContext {
  config: Config;
  /** BROADSHEET_SECRET: VERP addresses and tokens are checked with it. */
  secret: string;
  store: InboundStore;
  clock: Clock;
  log: Logger;
}

/** What became of one mail: a report's outcome (applied, recorded, duplicate), ignored (nothing to do), or quarantined. */
export interface Handled {
  outcome: ReportOutcome | 'ignored' | 'quarantined';
  kind?: ReportKind;
  reason?: string;
}

export interface MailHandler {
  /** Reads one mail and acts on it. `recipients`: the SMTP envelope's, when broadsheet received it. */
  handle(raw: Buffer, recipients?: readonly string[]): Promise<Handled>;
  addresses: ListAddresses;
}

// Tokens are base64url; 20 characters is shorter than any of ours, longer than words in a subject.
const TOKEN = /[A-Za-z0-9_-]{20,}/g;
const UNSUBSCRIBE_LINK = /\/unsubscribe\/([A-Za-z0-9_-]{20,})/g;
const UNSUBSCRIBE_MAILTO = /unsubscribe(?:%20|\s+)([A-Za-z0-9_-]{20,})/gi;
const OUR_MESSAGE_ID = /<issue-(\d{1,9})\.[0-9a-f]{24}@/;

/** A subscriber found from evidence we signed, and the issue when the evidence says. */
interface Target {
  id: number;
  issue?: number;
}

function firstToken(secret: string, candidates: Iterable<string>): string | undefined {
  for (const c of candidates) {
    const email = verifyUnsubscribeToken(secret, c);
    if (email !== undefined) return email;
  }
  return undefined;
}

/**
 * Which subscriber a mail is about, from evidence only we can make: a VERP
 * address (the envelope recipient, or one quoted in the returned message),
 * or an unsubscribe token (in a mailed request's subject or address, or in
 * the List-Unsubscribe header of the returned message). An address merely
 * named in a report proves nothing (anyone can write a DSN) and is not used.
 */
async function identify(ctx: InboundContext, m: MailFacts, reading: Reading): Promise<Target | undefined> {
  const { config, secret, store } = ctx;
  const byEmail = async (email: string | undefined, issue?: number) => {
    const s = email === undefined ? undefined : await store.getSubscriber(email);
    return s ? { id: s.id, ...(issue !== undefined ? { issue } : {}) } : undefined;
  };
  if (reading.kind === 'unsubscribe') {
    const plus = m.recipients.map((r) => /\+([A-Za-z0-9_-]{20,})@/.exec(r)?.[1]).filter((t): t is string => t !== undefined);
    return byEmail(firstToken(secret, [...(m.subject.match(TOKEN) ?? []), ...plus]));
  }
  const returnPath = config.email?.returnPath;
  const byVerp = async (v: { subscriberId: number; issue: number } | undefined) => (v && (await store.subscriberById(v.subscriberId)) ? { id: v.subscriberId, issue: v.issue } : undefined);
  if (returnPath) {
    for (const r of m.recipients) {
      const found = await byVerp(readVerp(returnPath, secret, r));
      if (found) return found;
    }
  }
  const haystack = [...m.parts.map((p) => p.content), m.text].join('\n');
  if (returnPath) {
    const found = await byVerp(findVerp(returnPath, secret, haystack));
    if (found) return found;
  }
  const issue = OUR_MESSAGE_ID.exec(haystack)?.[1];
  const tokens = [...haystack.matchAll(UNSUBSCRIBE_LINK), ...haystack.matchAll(UNSUBSCRIBE_MAILTO)].map((x) => x[1]!);
  return byEmail(firstToken(secret, tokens), issue === undefined ? undefined : Number(issue));
}

/**
 * Reads bounces, complaints and mailed unsubscribes (the SMTP receiver and
 * the mailbox reader both hand every mail here), applies what they say to
 * the list, and quarantines what it cannot understand or attribute. The same
 * mail twice changes nothing the second time: a report is keyed by the
 * mail's Message-ID (or, without one, its SHA-256) and the subscriber.
 */
export function mailHandler(ctx: InboundContext): MailHandler {
  const { config, log } = ctx;
  const addresses = listAddresses(config);
  const keep = async (raw: Buffer, reason: string): Promise<Handled> => {
    const file = await quarantine(config.paths.quarantine, raw, reason, ctx.clock.now());
    log.warn('mail quarantined', { reason, file });
    return { outcome: 'quarantined', reason };
  };
  return {
    addresses,
    async handle(raw, recipients = []) {
      let m: MailFacts;
      try {
        m = await parseMail(raw, recipients);
      } catch (e) {
        return keep(raw, `mailparser could not read it: ${(e as Error).message}`);
      }
      const reading = readMail(m, addresses.isUnsubscribe);
      if (reading.kind === 'no-action') {
        log.info('mail ignored', { reason: reading.reason });
        return { outcome: 'ignored', reason: reading.reason };
      }
      if (reading.kind === 'unknown') return keep(raw, reading.reason);
      const target = await identify(ctx, m, reading);
      if (!target) return keep(raw, `${reading.kind === 'unsubscribe' ? 'an unsubscribe request' : `a ${reading.kind}`} without a valid token or VERP address: it names nobody on the list`);
      const kind: ReportKind = reading.kind === 'bounce' ? (reading.bounce === 'hard' ? 'hard-bounce' : 'soft-bounce') : reading.kind;
      const key = `mail:${target.id}:${m.messageId ? `id:${m.messageId}` : `sha256:${m.hash}`}`;
      const outcome = await ctx.store.applyReport(
        { key, kind, subscriberId: target.id, issue: target.issue, detail: reading.detail, at: ctx.clock.now() },
        { softBounceLimit: config.list.softBounceLimit },
      );
      log.info('report', { kind, subscriber: target.id, issue: target.issue, outcome });
      return { outcome, kind };
    },
  };
}
