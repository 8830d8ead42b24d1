import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriberStatus } from '../../src/delivery/model.js';
import { startCli, type RunningCli } from '../helpers/child.js';
import { runJob, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';
import { BOUNCES, fillFixture } from './fixtures.js';

/**
 * Bounces and complaints in the formats real servers send, delivered by a
 * real SMTP client (nodemailer) to `broadsheet inbound`, each about a
 * message broadsheet really sent. The fixtures (fixtures/, see its README)
 * hold the reports with the parts that depend on the message left as
 * {{PLACEHOLDERS}}: the VERP address the report goes back to, the address,
 * and the returned message.
 */


/** Which subscriber each fixture is about, and what it must leave them as. */
const CASES: { fixture: string; reader: string; rcpt: 'verp' | 'bare'; status: SubscriberStatus; leftVia?: string }[] = [
  { fixture: 'postfix-user-unknown.eml', reader: 'postfix', rcpt: 'verp', status: 'bounced', leftVia: 'bounce' },
  { fixture: 'exim-rejected.eml', reader: 'exim', rcpt: 'verp', status: 'bounced', leftVia: 'bounce' },
  { fixture: 'gmail-address-not-found.eml', reader: 'gmail', rcpt: 'verp', status: 'bounced', leftVia: 'bounce' },
  { fixture: 'outlook-recipient-not-found.eml', reader: 'outlook', rcpt: 'verp', status: 'bounced', leftVia: 'bounce' },
  { fixture: 'yahoo-arf-abuse.eml', reader: 'yahoo', rcpt: 'bare', status: 'complained', leftVia: 'complaint' },
  { fixture: 'garbled-relay.eml', reader: 'garbled', rcpt: 'verp', status: 'bounced', leftVia: 'bounce' },
  // Soft: a delay, and a failure of class 4 (a DNS error): recorded, the address stays.
  { fixture: 'postfix-delayed.eml', reader: 'delayed', rcpt: 'verp', status: 'subscribed' },
  { fixture: 'gmail-dns-error.eml', reader: 'dns', rcpt: 'verp', status: 'subscribed' },
  // A report of a successful delivery needs nothing.
  { fixture: 'delivered-notice.eml', reader: 'delivered', rcpt: 'verp', status: 'subscribed' },
  // Garbage, and a DSN that names an address without proof: quarantined.
  { fixture: 'not-a-report.eml', reader: 'bystander', rcpt: 'bare', status: 'subscribed' },
  { fixture: 'forged-no-token.eml', reader: 'victim', rcpt: 'bare', status: 'subscribed' },
];

let project: Project;
let smtp: Smtp;
let inbound: RunningCli;
let port: number;
const reports = new Map<string, { rcpt: string; raw: string }>();

const address = (reader: string) => `${reader}@example.org`;

/** Delivers every report as a bounce is delivered: null sender, one recipient. */
async function deliverAll(): Promise<string[]> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const replies: string[] = [];
    for (const c of CASES) {
      const r = reports.get(c.fixture)!;
      const info = await transport.sendMail({ envelope: { from: '', to: [r.rcpt] }, raw: r.raw });
      replies.push(`${c.fixture} ${String(info.response)}`);
    }
    return replies;
  } finally {
    transport.close();
  }
}

async function statuses(): Promise<Record<string, { status: SubscriberStatus; leftVia?: string }>> {
  const store = await project.store();
  try {
    return Object.fromEntries((await store.listSubscribers()).map((s) => [s.email.split('@')[0]!, { status: s.status, ...(s.leftVia ? { leftVia: s.leftVia } : {}) }]));
  } finally {
    await store.close();
  }
}

let quarantine: string;
const quarantined = () => readdirSync(quarantine).sort();

beforeAll(async () => {
  project = makeProject({
    articles: 'none',
    config: (c) => {
      TEST_SHEET(c);
      c.inbound = { ...c.inbound, port: 0 };
    },
  });
  quarantine = (await project.loadConfig()).paths.quarantine;
  await project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(CASES.map((c) => address(c.reader)));
  smtp = await startSmtp();
  expect(await runJob(project, smtp)).toMatchObject({ kind: 'sent', accepted: CASES.length });
  for (const c of CASES) {
    const sent = smtp.received.find((r) => r.to[0] === address(c.reader))!;
    reports.set(c.fixture, { rcpt: c.rcpt === 'verp' ? sent.from : BOUNCES, raw: fillFixture(c.fixture, { email: address(c.reader) }, sent) });
  }
  inbound = startCli(['inbound', '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
  const listening = await inbound.waitFor((e) => e.event === 'receiving mail', 30_000);
  port = Number(new URL(String(listening.url)).port);
}, 60_000);

afterAll(async () => {
  inbound?.child.kill('SIGTERM');
  await inbound?.exited;
  await smtp?.close();
});

describe('broadsheet inbound, fed real reports by a real SMTP client', () => {
  it('leaves each subscriber in the status its report calls for, quarantines what it cannot trust, and a replay changes nothing', async () => {
    const first = await deliverAll();
    expect(first).toEqual(
      CASES.map((c) => {
        const outcome = c.status === 'subscribed' ? (c.fixture.startsWith('postfix-delayed') || c.fixture.startsWith('gmail-dns') ? 'recorded' : c.fixture.startsWith('delivered') ? 'ignored' : 'quarantined') : 'applied';
        return `${c.fixture} 250 2.0.0 ${outcome}`;
      }),
    );
    const expected = Object.fromEntries(CASES.map((c) => [c.reader, { status: c.status, ...(c.leftVia ? { leftVia: c.leftVia } : {}) }]));
    expect(await statuses()).toEqual(expected);
    const kept = quarantined();
    expect(kept).toHaveLength(2);
    const why = kept.map((f) => readFileSync(path.join(quarantine, f), 'utf8').split('\r\n')[0]).sort();
    expect(why[0]).toMatch(/^X-Broadsheet-Quarantined: a bounce without a valid token or VERP address: it names nobody on the list; \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(why[1]).toMatch(/^X-Broadsheet-Quarantined: neither a bounce, a complaint nor an unsubscribe request; /);

    const store = await project.store();
    const stats = await store.issueListStats(1);
    await store.close();
    // Issue 1: the six hard bounces and the two soft ones, from distinct subscribers; one complaint.
    expect(stats).toEqual([{ issue: 1, accepted: CASES.length, failed: 0, bounces: 7, complaints: 1 }]);

    const again = await deliverAll();
    expect(again).toEqual(
      CASES.map((c) => `${c.fixture} 250 2.0.0 ${c.fixture.startsWith('delivered') ? 'ignored' : ['not-a-report.eml', 'forged-no-token.eml'].includes(c.fixture) ? 'quarantined' : 'duplicate'}`),
    );
    expect(await statuses()).toEqual(expected);
    expect(quarantined()).toEqual(kept);
    const after = await project.store();
    expect(await after.issueListStats(1)).toEqual(stats);
    await after.close();
  });

  it('refuses mail for any address but the list\'s own', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    try {
      await expect(transport.sendMail({ envelope: { from: 'x@example.net', to: ['desk@example.test'] }, raw: 'Subject: hi\r\n\r\nhello\r\n' })).rejects.toMatchObject({
        responseCode: 550,
      });
    } finally {
      transport.close();
    }
  });
});
