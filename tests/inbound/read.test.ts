import { describe, expect, it } from 'vitest';
import { createConfirmToken, createToken, openToken, verifyConfirmToken, verifyUnsubscribeToken } from '../../src/delivery/tokens.js';
import { bareBounceAddress, findVerp, isBounceAddress, readVerp, verpAddress } from '../../src/delivery/verp.js';
import { splitMbox } from '../../src/inbound/mailbox.js';
import { parseMail } from '../../src/inbound/parse.js';
import { readMail, reportFields } from '../../src/inbound/read.js';
import { bounceClass } from '../../src/inbound/status.js';
import { SECRET } from '../helpers/project.js';

const TEMPLATE = 'bounces+{token}@news.example.com';

describe('bounce classes (RFC 3463 status codes)', () => {
  it.each([
    ['5.1.1', '550 5.1.1 user unknown', 'hard'],
    ['5.1.10', '550 5.1.10 RESOLVER.ADR.RecipientNotFound', 'hard'],
    ['5.2.1', '550 5.2.1 The email account that you tried to reach is disabled', 'hard'],
    ['5.0.0', '550 No Such User Here', 'hard'],
    ['4.2.2', '452 4.2.2 Mailbox full', 'soft'],
    ['4.0.0', "DNS Error: lookup of example.org responded with code SERVFAIL", 'soft'],
    // About the message or our server, not the address: a block must not empty the list.
    ['5.7.1', '550 5.7.1 Message rejected as spam', 'soft'],
    ['5.0.0', '550 5.7.1 Connections not accepted from servers without a valid sender domain', 'soft'],
    ['5.2.2', '552 5.2.2 Mailbox full', 'soft'],
    ['5.3.4', '552 5.3.4 Message too big', 'soft'],
    ['5.0.0', '554 Rejected: listed on a block list', 'soft'],
  ] as const)('Status %s, %s: %s', (status, diagnostic, expected) => {
    expect(bounceClass(status, diagnostic)).toBe(expected);
  });

  it.each([
    ['550 Mailbox unavailable', 'hard'],
    ['553 5.1.3 Bad recipient address syntax', 'hard'],
    ['552 Requested mail action aborted: exceeded storage allocation', 'soft'],
    ['554 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org', 'soft'],
    ['451 4.3.0 Try again later', 'soft'],
    ['ETIMEDOUT: connection timed out', 'soft'],
  ] as const)('an SMTP reply at send time, %s: %s', (reply, expected) => {
    expect(bounceClass(undefined, reply)).toBe(expected);
  });
});

describe('reading reports', () => {
  it('splits report fields into groups, joining continuation lines', () => {
    expect(reportFields('Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; x@example.org\nDiagnostic-Code: smtp; 550 5.1.1\n   user unknown\n').map((g) => Object.fromEntries(g))).toEqual([
      { 'reporting-mta': 'dns; a.example' },
      { 'final-recipient': 'rfc822; x@example.org', 'diagnostic-code': 'smtp; 550 5.1.1 user unknown' },
    ]);
  });

  const mail = (headers: string, body = '') => parseMail(Buffer.from(`${headers}\r\n\r\n${body}`.replace(/\r?\n/g, '\r\n')));
  const notUnsubscribe = () => false;

  it('an ARF "not-spam" report, and an automatic reply, need nothing; a DSN with the worst recipient failed is read as that failure', async () => {
    const arf = await mail(
      'From: fbl@example.net\nContent-Type: multipart/report; report-type=feedback-report; boundary=x',
      '--x\nContent-Type: message/feedback-report\n\nFeedback-Type: not-spam\nUser-Agent: X/1\n--x--\n',
    );
    expect(readMail(arf, notUnsubscribe)).toEqual({ kind: 'no-action', reason: 'feedback report of type not-spam' });
    const vacation = await mail('From: ann@example.org\nSubject: Out of office\nAuto-Submitted: auto-replied', 'I am away.');
    expect(readMail(vacation, notUnsubscribe)).toEqual({ kind: 'no-action', reason: 'automatic reply' });
    const dsn = await mail(
      'From: MAILER-DAEMON@a.example\nContent-Type: multipart/report; report-type=delivery-status; boundary=y',
      '--y\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; a@example.org\nAction: delayed\nStatus: 4.4.1\n\nFinal-Recipient: rfc822; b@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 unknown\n--y--\n',
    );
    expect(readMail(dsn, notUnsubscribe)).toEqual({ kind: 'bounce', bounce: 'hard', detail: 'failed 5.1.1 550 5.1.1 unknown' });
  });

  it('reads an mbox with mboxrd quoting', () => {
    const box = Buffer.from('From a Tue Sep  2 08:00:00 2025\nSubject: one\n\n>From here on\n>>From quoted twice\nFrom b Tue Sep  2 09:00:00 2025\nSubject: two\n\nbody\n', 'latin1');
    expect(splitMbox(box).map((b) => b.toString('latin1'))).toEqual(['Subject: one\n\nFrom here on\n>From quoted twice\n', 'Subject: two\n\nbody\n']);
  });
});

describe('VERP addresses and tokens', () => {
  it('names the subscriber and the issue, whatever the case, and refuses an altered one', () => {
    const a = verpAddress(TEMPLATE, SECRET, { subscriberId: 1234, issue: 56 });
    expect(a).toMatch(/^bounces\+ya-1k-[0-9a-f]{20}@news\.example\.com$/);
    expect(a.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(readVerp(TEMPLATE, SECRET, a)).toEqual({ subscriberId: 1234, issue: 56 });
    expect(readVerp(TEMPLATE, SECRET, a.toUpperCase())).toEqual({ subscriberId: 1234, issue: 56 });
    expect(readVerp(TEMPLATE, SECRET, a.replace('ya-1k', 'yb-1k'))).toBeUndefined();
    expect(readVerp(TEMPLATE, 'YHyCnq/Bv1QvrHIHXNaR5YYzT5YoP6CqN+xtO8onmCk=', a)).toBeUndefined();
    expect(findVerp(TEMPLATE, SECRET, `X-Postfix-Sender: rfc822; ${a}\n`)).toEqual({ subscriberId: 1234, issue: 56 });
    expect(bareBounceAddress(TEMPLATE)).toBe('bounces@news.example.com');
    expect([isBounceAddress(TEMPLATE, 'BOUNCES@news.example.com'), isBounceAddress(TEMPLATE, a), isBounceAddress(TEMPLATE, 'desk@news.example.com')]).toEqual([true, true, false]);
  });

  it('a token of one kind never opens as another, for the same address', () => {
    const email = 'ann@example.org';
    const unsubscribe = createToken('unsubscribe', SECRET, email);
    const manage = createToken('manage', SECRET, email);
    expect(unsubscribe).not.toBe(manage);
    expect(verifyUnsubscribeToken(SECRET, unsubscribe)).toBe(email);
    expect(verifyUnsubscribeToken(SECRET, manage)).toBeUndefined();
    expect(openToken('manage', SECRET, unsubscribe)).toBeUndefined();
    expect(openToken('confirm', SECRET, manage)).toBeUndefined();
    const confirm = createConfirmToken(SECRET, email, new Date('2025-09-01T00:00:00Z'));
    expect(verifyUnsubscribeToken(SECRET, confirm)).toBeUndefined();
    expect(openToken('manage', SECRET, confirm)).toBeUndefined();
  });

  it('a confirmation token lasts list.confirmDays from the request', () => {
    const at = new Date('2025-09-01T00:00:00Z');
    const token = createConfirmToken(SECRET, 'ann@example.org', at);
    expect(verifyConfirmToken(SECRET, token, new Date('2025-09-08T00:00:00Z'), 7)).toEqual({ ok: true, email: 'ann@example.org', requestedAt: at });
    expect(verifyConfirmToken(SECRET, token, new Date('2025-09-08T00:00:01Z'), 7)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyConfirmToken(SECRET, token.slice(0, -1), new Date('2025-09-02T00:00:00Z'), 7)).toEqual({ ok: false, reason: 'invalid' });
  });
});
