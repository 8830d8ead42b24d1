import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyUnsubscribeToken } from '../../src/delivery/tokens.js';
import { runCli } from '../helpers/cli.js';
import { recorded as recordedIn, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp | undefined;

beforeEach(() => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
});

afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { cwd: project.dir, env });
const withSecret = (extra: Record<string, string> = {}) => ({ BROADSHEET_SECRET: SECRET, ...extra });

const recorded = () => recordedIn(project);

describe('broadsheet subscribers', () => {
  it('adds, normalises, refuses duplicates, lists with status, and removes', async () => {
    expect((await cli(['subscribers', 'add', '  Ann@EXAMPLE.org ', '--name', 'Ann'])).stdout).toBe('subscribed ann@example.org\n');
    expect((await cli(['subscribers', 'add', 'ann@example.org'])).stdout).toBe('already subscribed: ann@example.org\n');
    await cli(['subscribers', 'add', 'bo@example.net']);
    expect((await cli(['subscribers', 'remove', 'BO@example.net'])).stdout).toBe('unsubscribed bo@example.net\n');
    expect((await cli(['subscribers', 'remove', 'bo@example.net'])).stdout).toBe('bo@example.net was already unsubscribed\n');

    const list = await cli(['subscribers', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s{2,}/).filter((c) => !/^\d{4}-/.test(c)))).toEqual([
      ['ann@example.org', 'subscribed', 'joined via command-line', 'Ann'],
      ['bo@example.net', 'unsubscribed', 'left via operator'],
      ['0 pending, 1 subscribed, 1 unsubscribed, 0 bounced, 0 complained (2 in all)'],
    ]);
    const left = await cli(['subscribers', 'list', '--status', 'unsubscribed']);
    expect(left.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s{2,}/)[0])).toEqual(['bo@example.net', '1 unsubscribed']);
    expect((await cli(['subscribers', 'list', '--status', 'gone'])).stderr).toContain('--status must be one of pending, subscribed, unsubscribed, bounced, complained, not "gone"');

    const bad = await cli(['subscribers', 'add', 'not an address']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error [SUBSCRIBER_INVALID]');
  });

  it('imports a CSV: quoted fields, extra columns ignored, invalid rows reported by line, idempotent, leavers stay unsubscribed', async () => {
    const csv = [
      'Name,Email,Source',
      '"Archer, Ann",ann@example.org,web',
      'Bo,bo@example,web',
      '"Cy ""the"" Third",CY@Example.com,',
      '"Dee',
      'Multi-line",dee@example.net,x',
      ',,',
      'Eve,eve@@example.org,',
      'Fay,fay@example.org,',
      '',
    ].join('\r\n');
    project.write('people.csv', csv);
    await cli(['subscribers', 'add', 'fay@example.org']);
    await cli(['subscribers', 'remove', 'fay@example.org']);

    const first = await cli(['subscribers', 'import', 'people.csv']);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe(
      'people.csv: CSV list; columns read: Email, Name\n' +
        'imported people.csv: 3 added, 0 renamed, 0 already subscribed, 1 left unsubscribed, bounced or complained, 0 recorded as left at the source, 0 kept subscribed (confirmed or joined here), 0 skipped, 3 invalid\n',
    );
    const problems = first.stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(problems.map((l) => /people\.csv:(\d+): Email:/.exec(l)?.[1])).toEqual(['3', '7', '8']);
    expect(first.stderr).toContain('"bo@example": "example" is not a valid domain');

    const again = await cli(['subscribers', 'import', 'people.csv']);
    expect(again.stdout).toContain('0 added, 0 renamed, 3 already subscribed, 1 left unsubscribed, bounced or complained, 0 recorded as left at the source, 0 kept subscribed (confirmed or joined here), 0 skipped, 3 invalid');

    const store = await project.store();
    try {
      expect((await store.listSubscribers()).map((s) => [s.email, s.status, s.name])).toEqual([
        ['ann@example.org', 'subscribed', 'Archer, Ann'],
        ['cy@example.com', 'subscribed', 'Cy "the" Third'],
        ['dee@example.net', 'subscribed', 'Dee Multi-line'],
        ['fay@example.org', 'unsubscribed', undefined],
      ]);
    } finally {
      await store.close();
    }
  });

  it('rejects a CSV without an email column or with an unclosed quote, naming the line', async () => {
    project.write('a.csv', 'name,mail\nAnn,ann@example.org\n');
    const noColumn = await cli(['subscribers', 'import', 'a.csv']);
    expect(noColumn.code).toBe(1);
    expect(noColumn.stderr).toContain('a.csv:1: the header row must name an "email" column (found: name, mail)');
    project.write('b.csv', 'email,name\nann@example.org,Ann\nbo@example.org,"Bo\n');
    const unclosed = await cli(['subscribers', 'import', 'b.csv']);
    expect(unclosed.stderr).toContain('b.csv:3: a quoted field is never closed');
    expect(await recordedSubscribers()).toBe(0);
  });
});

async function recordedSubscribers(): Promise<number> {
  const store = await project.store();
  try {
    return (await store.listSubscribers()).length;
  } finally {
    await store.close();
  }
}

describe('broadsheet send: bad input', () => {
  beforeEach(async () => project.addSubscribers(['ann@example.org', 'bo@example.net']));

  it('without SMTP_URL: a clear error and nothing recorded', async () => {
    const r = await cli(['send'], withSecret());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[SMTP_NOT_CONFIGURED\]: SMTP_URL is not set/);
    expect(await recorded()).toEqual({ issues: 0, deliveries: 0 });

    const wrong = await cli(['send'], withSecret({ SMTP_URL: 'http://user:hunter2secret@mail.example.test/' }));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('error [SMTP_NOT_CONFIGURED]: SMTP_URL is not a URL like smtp://');
    expect(wrong.stderr).not.toContain('hunter2secret');
    expect(await recorded()).toEqual({ issues: 0, deliveries: 0 });
  });

  it('without BROADSHEET_SECRET: SECRET_MISSING, nothing sent or recorded', async () => {
    smtp = await startSmtp();
    const r = await cli(['send'], { SMTP_URL: smtp.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [SECRET_MISSING]');
    expect(smtp.received).toHaveLength(0);
    expect(await recorded()).toEqual({ issues: 0, deliveries: 0 });
  });

  it('with an unreadable DKIM key: DKIM_KEY_UNREADABLE naming the file, nothing sent or recorded', async () => {
    project.configure((c) => (c.email!.dkim = { domainName: 'example.test', keySelector: 'news', privateKeyFile: 'keys/missing.pem' }));
    smtp = await startSmtp();
    const r = await cli(['send'], withSecret({ SMTP_URL: smtp.url }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [DKIM_KEY_UNREADABLE]');
    expect(r.stderr).toContain(path.join(project.dir, 'keys', 'missing.pem'));
    expect(smtp.received).toHaveLength(0);
    expect(await recorded()).toEqual({ issues: 0, deliveries: 0 });

    project.write('keys.pem', 'not a key');
    project.configure((c) => (c.email!.dkim!.privateKeyFile = 'keys.pem'));
    const notKey = await cli(['send', '--dry-run'], withSecret());
    expect(notKey.stderr).toContain('is not a PEM private key');
  });

  it('neutralises CR/LF header injection in subscriber names and in the subject', async () => {
    project.article('only-story', { title: 'Big news\r\nBcc: victim@evil.test\r\nX-Injected: yes', date: '2025-08-20T09:00:00Z' });
    await cli(['subscribers', 'add', 'cy@example.com', '--name', 'Cy\r\nBcc: victim@evil.test']);
    project.write('p.csv', 'email,name\ndi@example.org,"Di\r\nX-Injected: yes"\n');
    await cli(['subscribers', 'import', 'p.csv']);
    smtp = await startSmtp();
    const r = await cli(['send'], withSecret({ SMTP_URL: smtp.url }));
    expect(r.code).toBe(0);
    expect(smtp.received.map((m) => m.to)).toHaveLength(4);
    expect(smtp.received.flatMap((m) => m.to).sort()).toEqual(['ann@example.org', 'bo@example.net', 'cy@example.com', 'di@example.org']);
    for (const m of smtp.received) {
      const mail = await simpleParser(m.raw);
      expect(mail.headers.has('bcc')).toBe(false);
      expect(mail.headers.has('x-injected')).toBe(false);
      expect(mail.subject).toBe('The Test Sheet: Big news Bcc: victim@evil.test X-Injected: yes');
    }
    const cy = await simpleParser(smtp.received.find((m) => m.to[0] === 'cy@example.com')!.raw);
    expect((cy.to as { value: { name: string }[] }).value[0]!.name).toBe('Cy Bcc: victim@evil.test');
  });
});

describe('broadsheet send', () => {
  beforeEach(async () => project.addSubscribers([{ email: 'ann@example.org', name: 'Ann' }, 'bo@example.net', 'cy@example.com']));

  it('--dry-run writes one .eml per recipient to output/outbox and sends or records nothing', async () => {
    const r = await cli(['send', '--dry-run'], withSecret());
    expect(r.code).toBe(0);
    const outbox = path.join(project.output, 'outbox');
    expect(r.stdout).toBe(`issue 1: messages written to ${outbox}; nothing was sent
not mailed: 0 pending confirmation, 0 unsubscribed, 0 bounced, 0 complained
`);
    const files = (await readdir(outbox)).sort();
    expect(files).toEqual(['issue-1-ann@example.org-438c4c7a.eml', 'issue-1-bo@example.net-7c817946.eml', 'issue-1-cy@example.com-c42f5d00.eml']);
    const ann = await simpleParser(await readFile(path.join(outbox, files[0]!)));
    expect(ann.subject).toBe('The Test Sheet: Only story');
    const token = /unsubscribe\/([A-Za-z0-9_-]+)/.exec(ann.html as string)![1]!;
    expect(verifyUnsubscribeToken(SECRET, token)).toBe('ann@example.org');
    expect(await recorded()).toEqual({ issues: 0, deliveries: 0 });
  });

  it('--to sends one test copy and leaves the ledger alone', async () => {
    smtp = await startSmtp();
    const r = await cli(['send', '--to', 'Editor@Example.org'], withSecret({ SMTP_URL: smtp.url }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^test copy of issue 1 sent to editor@example\.org \(<issue-1\.[0-9a-f]{24}@example\.test>\); the ledger is unchanged\n$/);
    expect(smtp.received.map((m) => m.to)).toEqual([['editor@example.org']]);
    expect(await recorded()).toEqual({ issues: 0, deliveries: 0 });

    // A test copy says so in the inbox; --subject-prefix changes or removes the mark.
    expect((await smtp.parsed())[0]!.subject).toBe('[TEST] The Test Sheet: Only story');
    await cli(['send', '--to', 'editor@example.org', '--subject-prefix', '[PROOF]'], withSecret({ SMTP_URL: smtp.url }));
    await cli(['send', '--to', 'editor@example.org', '--subject-prefix', ''], withSecret({ SMTP_URL: smtp.url }));
    expect((await smtp.parsed()).slice(1).map((m) => m.subject)).toEqual(['[PROOF] The Test Sheet: Only story', 'The Test Sheet: Only story']);
    const misuse = await cli(['send', '--subject-prefix', '[TEST]'], withSecret({ SMTP_URL: smtp.url }));
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toBe('error [USAGE]: --subject-prefix marks test copies: use it with --to or --dry-run (the subject of the real issue is digest.subject in the config)\n');

    // The real send afterwards still goes to everyone, without the mark.
    const real = await cli(['send'], withSecret({ SMTP_URL: smtp.url }));
    expect(real.stdout).toBe('issue 1: 3 accepted, 0 failed, 0 pending\nnot mailed: 0 pending confirmation, 0 unsubscribed, 0 bounced, 0 complained\n');
    expect(smtp.received).toHaveLength(6);
    expect((await smtp.parsed()).slice(3).map((m) => m.subject)).toEqual(Array(3).fill('The Test Sheet: Only story'));
  });

  it('reports accepted, failed and pending, logs one line per event, and exits 1 when a delivery failed', async () => {
    smtp = await startSmtp({ onRcpt: (a) => (a === 'bo@example.net' ? smtpError(550, 'Mailbox unavailable') : undefined) });
    const r = await cli(['send'], withSecret({ SMTP_URL: smtp.url }));
    expect(r.code).toBe(1);
    // A 5xx at SMTP time is a hard bounce: the address is not mailed again.
    expect(r.stdout).toBe('issue 1: 2 accepted, 1 failed, 0 pending\nnot mailed: 0 pending confirmation, 0 unsubscribed, 1 bounced, 0 complained\n');
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('delivery accepted issue=1 to='))).toHaveLength(2);
    expect(lines).toContain('warn: delivery failed issue=1 to=b***@example.net attempt=1 reply="550 Mailbox unavailable"');
    expect(lines.at(-1)).toBe('error [SEND_INCOMPLETE]: issue 1 is not fully delivered: 1 failed, 0 pending');
    expect(r.stderr).not.toContain(SECRET);

    const again = await cli(['send'], withSecret({ SMTP_URL: smtp.url }));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('nothing to send: no article was published since the last issue\n');
    expect(smtp.received).toHaveLength(2);
  });
});
