import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../src/delivery/tokens.js';
import { startCli, type RunningCli } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { runJob, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';
import { fillFixture } from './fixtures.js';

let project: Project;
let smtp: Smtp;
let serve: RunningCli | undefined;

beforeEach(async () => {
  project = makeProject({
    articles: 'none',
    config: (c) => {
      TEST_SHEET(c);
      c.server = { ...c.server, port: 0 };
      c.inbound = { ...c.inbound, port: 0 };
    },
  });
  await project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers([{ email: 'ann@example.org', name: 'Ann' }, 'bo@example.org']);
  smtp = await startSmtp();
});

afterEach(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  serve = undefined;
  await smtp.close();
});

const status = async (email: string) => {
  const store = await project.store();
  try {
    return await store.getSubscriber(email);
  } finally {
    await store.close();
  }
};

describe('a mailed unsubscribe', () => {
  it('to the mailto: of a real message\'s List-Unsubscribe, received by serve --inbound, unsubscribes that reader and no one else', async () => {
    await runJob(project, smtp);
    const mail = (await smtp.parsed()).find((m) => JSON.stringify(m.to).includes('ann@example.org'))!;
    const header = mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r?\n\s+/g, ' ');
    const mailto = new URL(/<(mailto:[^>]+)>/.exec(header)![1]!);
    expect(mailto.pathname).toBe('leave@example.test');
    const subject = mailto.searchParams.get('subject')!;
    expect(subject).toBe(`unsubscribe ${createUnsubscribeToken(SECRET, 'ann@example.org')}`);

    serve = startCli(['serve', '--inbound', '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    const receiving = await serve.waitFor((e) => e.event === 'receiving mail', 30_000);
    await serve.waitFor((e) => e.event === 'listening');
    // What a mail client sends for the mailto: the reader's own message, to the address, with the subject.
    const transport = nodemailer.createTransport({ url: String(receiving.url), ignoreTLS: true });
    try {
      const info = await transport.sendMail({ from: 'Ann <ann@example.org>', to: mailto.pathname, subject, text: 'This message will unsubscribe you from the list.' });
      expect(String(info.response)).toBe('250 2.0.0 applied');
      // A request without a token proves nothing, whoever it claims to be from: kept for the operator.
      const bare = await transport.sendMail({ from: 'bo@example.org', to: mailto.pathname, subject: 'unsubscribe', text: 'please remove me' });
      expect(String(bare.response)).toBe('250 2.0.0 quarantined');
    } finally {
      transport.close();
    }
    expect(await status('ann@example.org')).toMatchObject({ status: 'unsubscribed', leftVia: 'mail' });
    expect((await status('bo@example.org'))!.status).toBe('subscribed');
    expect(serve.events.find((e) => e.event === 'report')).toMatchObject({ kind: 'unsubscribe', outcome: 'applied' });
  });
});

describe('broadsheet inbound --maildir and --mbox', () => {
  it('reads a Maildir\'s new mail once, moves it to cur/, rereads cur/ with --all changing nothing; reads an mbox', async () => {
    await runJob(project, smtp);
    const sent = smtp.received.find((r) => r.to[0] === 'bo@example.org')!;
    const bounce = fillFixture('postfix-user-unknown.eml', { email: 'bo@example.org' }, sent);
    const maildir = path.join(project.dir, 'Maildir');
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(path.join(maildir, d), { recursive: true });
    // Postfix's local delivery adds these: the VERP address is in Delivered-To as well.
    writeFileSync(path.join(maildir, 'new', '1756800000.M1P1.host'), `Delivered-To: ${sent.from}\r\n${bounce}`);
    writeFileSync(path.join(maildir, 'new', '1756800001.M2P1.host'), 'From: someone@example.net\r\nSubject: hello\r\n\r\nnot a report\r\n');
    const env = { BROADSHEET_SECRET: SECRET };
    const first = await runCli(['inbound', '--maildir', 'Maildir'], { cwd: project.dir, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      `read 2 mail(s): 1 hard bounce(s), 0 soft bounce(s), 0 complaint(s), 0 unsubscribe request(s); 1 changed a subscriber, 0 recorded, 0 already read, 0 needed nothing, 1 quarantined in ${(await project.loadConfig()).paths.quarantine}\n`,
    );
    expect((await status('bo@example.org'))!.status).toBe('bounced');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(maildir, 'new'))).toEqual([]);
    expect(readdirSync(path.join(maildir, 'cur')).sort()).toEqual(['1756800000.M1P1.host:2,S', '1756800001.M2P1.host:2,S']);

    const again = await runCli(['inbound', '--maildir', 'Maildir', '--all'], { cwd: project.dir, env });
    expect(again.stdout).toContain('read 2 mail(s)');
    expect(again.stdout).toContain('0 changed a subscriber, 0 recorded, 1 already read, 0 needed nothing, 1 quarantined');
    expect(readdirSync((await project.loadConfig()).paths.quarantine)).toHaveLength(1);

    // An mbox with the same bounce and a mailed unsubscribe: the bounce is known, the unsubscribe applies; a body line starting "From " is quoted (mboxrd).
    const token = createUnsubscribeToken(SECRET, 'ann@example.org');
    const mbox = [
      'From MAILER-DAEMON Tue Sep  2 08:14:03 2025',
      bounce.replace(/\r\n/g, '\n').replace(/^From /gm, '>From '),
      'From ann@example.org Tue Sep  2 09:00:00 2025',
      'From: ann@example.org',
      'To: leave@example.test',
      `Subject: unsubscribe ${token}`,
      'Message-ID: <mbox-unsub@example.org>',
      '',
      '>From now on, no more, thanks.',
      '',
    ].join('\n');
    writeFileSync(path.join(project.dir, 'bounces.mbox'), mbox);
    const fromMbox = await runCli(['inbound', '--mbox', 'bounces.mbox'], { cwd: project.dir, env });
    expect(fromMbox.stdout).toContain('read 2 mail(s): 1 hard bounce(s), 0 soft bounce(s), 0 complaint(s), 1 unsubscribe request(s); 1 changed a subscriber, 0 recorded, 1 already read');
    expect(await status('ann@example.org')).toMatchObject({ status: 'unsubscribed', leftVia: 'mail' });

    const usage = await runCli(['inbound', '--maildir', 'Maildir', '--mbox', 'bounces.mbox'], { cwd: project.dir, env });
    expect([usage.code, usage.stderr.includes('--maildir and --mbox cannot be combined')]).toEqual([2, true]);
    const noSecret = await runCli(['inbound', '--mbox', 'bounces.mbox'], { cwd: project.dir });
    expect(noSecret.stderr).toContain('error [SECRET_MISSING]');
  });
});
