import { bounceClass, statusCodes, type BounceClass } from './status.js';
import type { MailFacts } from './parse.js';

/**
 * What a mail says, before anyone is looked up:
 * - `bounce`: a delivery status notification (RFC 3464) or a bounce in
 *   words, with its class (status.ts);
 * - `complaint`: an abuse report (ARF, RFC 5965);
 * - `unsubscribe`: a mailed request to leave;
 * - `no-action`: understood, and nothing to do (a DSN of a successful
 *   delivery, a "not spam" report, an automatic reply);
 * - `unknown`: not understood: it is quarantined.
 */
export type Reading =
  | { kind: 'bounce'; bounce: BounceClass; detail: string }
  | { kind: 'complaint'; detail: string }
  | { kind: 'unsubscribe'; detail: string }
  | { kind: 'no-action'; reason: string }
  | { kind: 'unknown'; reason: string };

/**
 * The fields of a report part (RFC 3464 §2.1, RFC 5965 §3.1): groups
 * separated by blank lines, each a list of `Name: value` fields with
 * continuation lines. Names are lowercased.
 */
export function reportFields(content: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let group = new Map<string, string>();
  let last: string | undefined;
  for (const line of content.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (group.size > 0) groups.push(group);
      group = new Map();
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line) && last !== undefined) {
      group.set(last, `${group.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    if (!group.has(last)) group.set(last, m[2]!.trim());
  }
  if (group.size > 0) groups.push(group);
  return groups;
}

/** `smtp; 550 5.1.1 …` → `550 5.1.1 …`: the diagnostic without its type. */
const withoutType = (v: string | undefined) => (v ?? '').replace(/^[A-Za-z0-9-]+\s*;\s*/, '').trim();

const ACTION_RANK: Record<string, number> = { failed: 2, delayed: 1 };

/**
 * A DSN: the worst per-recipient group decides (failed over delayed). With
 * VERP every message has one recipient, so a DSN about one of ours has one
 * group; a relay's DSN may list others, whose worst outcome is still ours.
 */
function readDsn(content: string): Reading {
  const groups = reportFields(content).filter((g) => g.has('action') || g.has('final-recipient'));
  const ranked = groups.map((g) => ({ g, action: (g.get('action') ?? '').toLowerCase().split(/[\s(]/)[0]! })).sort((a, b) => (ACTION_RANK[b.action] ?? 0) - (ACTION_RANK[a.action] ?? 0));
  const worst = ranked[0];
  if (!worst || !(worst.action in ACTION_RANK)) return { kind: 'no-action', reason: `delivery status notification without a failure (${worst?.action || 'no action field'})` };
  const status = (worst.g.get('status') ?? '').split(/\s/)[0];
  const diagnostic = withoutType(worst.g.get('diagnostic-code'));
  const bounce: BounceClass = worst.action === 'delayed' ? 'soft' : bounceClass(status, diagnostic);
  return { kind: 'bounce', bounce, detail: oneDetail(`${worst.action} ${status ?? ''} ${diagnostic}`) };
}

/** An ARF report: every feedback type but "not-spam" and the authentication-failure reports is a complaint. */
function readArf(content: string): Reading {
  const fields = reportFields(content)[0] ?? new Map<string, string>();
  const type = (fields.get('feedback-type') ?? 'abuse').toLowerCase();
  if (type === 'not-spam' || type === 'auth-failure' || type === 'dmarc') return { kind: 'no-action', reason: `feedback report of type ${type}` };
  const agent = fields.get('user-agent');
  return { kind: 'complaint', detail: oneDetail(`feedback ${type}${agent ? ` from ${agent}` : ''}`) };
}

const BOUNCE_SUBJECT = /undeliver|delivery (?:status notification|failure|has failed|failed)|mail delivery failed|returned mail|returned to sender|failure notice|non-?delivery/i;
const AUTO_REPLY_SUBJECT = /out of (?:the )?office|auto(?:matic)?[- ]?reply|vacation|abwesenheit/i;

/** A bounce in words only (old Exim, old Gmail, garbled relays): its class from the codes in the text, or from "permanent". */
function readTextBounce(m: MailFacts): Reading {
  const text = m.text.slice(0, 20_000);
  // The server's reply is the line with the first code, not the whole explanation around it.
  const at = text.search(/(?:^|[^\d.])(?:[245]\d\d[ -]|[245]\.\d{1,3}\.\d{1,3}\b)/);
  const reply = at < 0 ? '' : text.slice(at, at + 300).split(/\r?\n\s*\r?\n/)[0]!;
  const codes = statusCodes(reply);
  const bounce: BounceClass = at < 0 ? (/\bpermanent(?:ly)?\b/i.test(text) ? 'hard' : 'soft') : bounceClass(codes.enhanced, reply);
  const code = codes.enhanced ?? (codes.basic !== undefined ? String(codes.basic) : 'no status code');
  return { kind: 'bounce', bounce, detail: oneDetail(`bounce in words (${code}): ${m.subject}`) };
}

/**
 * Reads a mail received at the list's addresses. The structure decides first
 * (a feedback-report or delivery-status part); then what it was sent to (the
 * unsubscribe address); then the signs of a bounce or an automatic reply.
 */
export function readMail(m: MailFacts, isUnsubscribeAddress: (address: string) => boolean): Reading {
  const arf = m.parts.find((p) => p.type === 'message/feedback-report');
  if (arf) return readArf(arf.content);
  const dsn = m.parts.find((p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status');
  if (dsn) return readDsn(dsn.content);
  if (m.recipients.some(isUnsubscribeAddress) || /^\s*unsubscribe\b/i.test(m.subject)) return { kind: 'unsubscribe', detail: 'mailed request' };
  const fromDaemon = /^(?:mailer-daemon|postmaster|mail-daemon)@/i.test(m.from);
  if (m.header('x-failed-recipients') !== undefined || fromDaemon || BOUNCE_SUBJECT.test(m.subject)) return readTextBounce(m);
  const auto = (m.header('auto-submitted') ?? 'no').toLowerCase();
  if (auto !== 'no' || AUTO_REPLY_SUBJECT.test(m.subject)) return { kind: 'no-action', reason: 'automatic reply' };
  return { kind: 'unknown', reason: 'neither a bounce, a complaint nor an unsubscribe request' };
}

function oneDetail(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 500);
}
