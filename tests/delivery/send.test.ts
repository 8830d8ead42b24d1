import { generateKeyPairSync } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyUnsubscribeToken } from '../../src/delivery/tokens.js';
import { runJob, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { headerValue as header, smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp;

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z', related: ['side-note'] });
  project.article('side-note', { title: 'A side note', date: '2025-08-19T09:00:00Z', body: '' });
  project.article('second-story', { title: 'Second story', date: '2025-08-25T09:00:00Z' });
  await project.addSubscribers([{ email: 'ann@example.org', name: 'Ann Archer' }, 'bo@example.net', { email: 'cy@example.com', name: 'Cy' }]);
  smtp = await startSmtp();
});

afterEach(() => smtp.close());

describe('send against a real SMTP server', () => {
  it('delivers one well-formed, personalised message per subscriber and records it', async () => {
    const result = await runJob(project, smtp);
    expect(result).toEqual({ kind: 'sent', issue: 1, accepted: 3, failed: 0, pending: 0, givenUp: 0 });

    const mails = await smtp.parsed();
    expect(smtp.received.map((r) => r.to).flat().sort()).toEqual(['ann@example.org', 'bo@example.net', 'cy@example.com']);
    const ids = new Set<string>();
    for (const [i, m] of mails.entries()) {
      const to = smtp.received[i]!.to[0]!;
      expect(m.from?.value).toEqual([{ address: 'digest@example.test', name: 'The Test Sheet' }]);
      expect(m.replyTo?.value).toEqual([{ address: 'desk@example.test', name: 'Test Desk' }]);
      expect((m.to as { value: { address: string }[] }).value[0]!.address).toBe(to);
      expect(m.subject).toBe('The Test Sheet: Second story');
      expect(m.messageId).toMatch(/^<issue-1\.[0-9a-f]{24}@example\.test>$/);
      ids.add(m.messageId!);
      expect(m.date?.toISOString()).toBe('2025-09-01T07:00:00.000Z');
      expect(header(m, 'List-Id')).toBe('"The Test Sheet" <digest.news.example.test>');
      expect(header(m, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(m.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });

      // The https unsubscribe link is this recipient's own, in the header and in the HTML.
      const unsub = /<(https:\/\/news\.example\.test\/unsubscribe\/([A-Za-z0-9_-]+))>/.exec(header(m, 'List-Unsubscribe'));
      expect(unsub, header(m, 'List-Unsubscribe')).not.toBeNull();
      expect(verifyUnsubscribeToken(SECRET, unsub![2]!)).toBe(to);
      expect(header(m, 'List-Unsubscribe')).toContain('<mailto:leave@example.test');
      expect(m.html).toContain(`href="${unsub![1]}"`);
      expect(m.html).toContain('https://news.example.test/issues/1/');
      expect(m.text).toContain('Second story');
      expect(m.text).toContain(unsub![1]);
      expect(m.text).not.toMatch(/[<>]{2}|\{\{/);
    }
    expect(ids.size).toBe(3);
    expect(mails.find((m) => m.to && JSON.stringify(m.to).includes('ann@'))!.text).toContain('Ann Archer');

    const store = await project.store();
    try {
      const issue = (await store.getIssue(1))!;
      // digest.firstIssue: latest: the first issue leads with the newest article; the older one is covered, not mailed.
      expect(issue.entrySlugs).toEqual(['second-story']);
      expect([...(await store.coveredSlugs())].sort()).toEqual(['first-story', 'second-story']);
      expect(issue.sentAt?.toISOString()).toBe('2025-09-01T07:00:00.000Z');
      expect(issue.html).not.toContain('ann@example.org');
      const ledger = (await store.deliveries(1));
      expect(ledger.map((d) => [d.email, d.state, d.attempts])).toEqual([
        ['ann@example.org', 'accepted', 1],
        ['bo@example.net', 'accepted', 1],
        ['cy@example.com', 'accepted', 1],
      ]);
      expect(ledger.map((d) => d.messageId).sort()).toEqual([...ids].sort());
      expect(ledger[0]!.lastReply).toMatch(/^250 /);
    } finally {
      await store.close();
    }
  });

  it('sends nothing twice: a second run finds nothing new; a new article makes the next issue with only that article', async () => {
    await runJob(project, smtp);
    expect(await runJob(project, smtp)).toEqual({ kind: 'nothing-new' });
    expect(smtp.received).toHaveLength(3);

    project.article('third-story', { title: 'Third story', date: '2025-08-31T09:00:00Z' });
    await project.addSubscribers(['di@example.org']);
    expect(await runJob(project, smtp)).toEqual({ kind: 'sent', issue: 2, accepted: 4, failed: 0, pending: 0, givenUp: 0 });
    const second = (await smtp.parsed()).slice(3);
    expect(second.map((m) => m.subject)).toEqual(Array(4).fill('The Test Sheet: Third story'));
    for (const m of second) {
      expect(m.html).not.toContain('Second story');
      expect(m.html).toContain('https://news.example.test/issues/2/');
    }
    const store = await project.store();
    try {
      expect((await store.listIssues()).map((i) => [i.number, i.entrySlugs])).toEqual([
        [2, ['third-story']],
        [1, ['second-story']],
      ]);
    } finally {
      await store.close();
    }
  });

  it('without SMTP_URL (the scheduler with no server): writes the messages to the outbox and records nothing', async () => {
    const result = await runJob(project, undefined);
    const dir = path.join(project.output, 'outbox');
    expect(result).toEqual({ kind: 'written', issue: 1, dir, messages: 3 });
    expect((await readdir(dir)).sort()).toEqual(['issue-1-ann@example.org-438c4c7a.eml', 'issue-1-bo@example.net-7c817946.eml', 'issue-1-cy@example.com-c42f5d00.eml']);
    const store = await project.store();
    try {
      expect((await store.listIssues())).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('finishes an unfinished issue before starting the next one', async () => {
    const down = await startSmtp({ onConnect: () => smtpError(421, 'Closed for maintenance') });
    await expect(runJob(project, down, { retry: { attempts: 1, backoffMs: 1 } })).rejects.toMatchObject({ code: 'SMTP_UNAVAILABLE' });
    await down.close();
    const store = await project.store();
    try {
      // Refused at the greeting: never offered, so no attempt is held against anyone.
      expect((await store.deliveries(1)).map((d) => [d.state, d.attempts])).toEqual(Array(3).fill(['pending', 0]));
    } finally {
      await store.close();
    }
    project.article('late-story', { title: 'Late story', date: '2025-08-31T09:00:00Z' });
    expect(await runJob(project, smtp)).toEqual({ kind: 'sent', issue: 1, accepted: 3, failed: 0, pending: 0, givenUp: 0 });
    expect(new Set((await smtp.parsed()).map((m) => m.subject))).toEqual(new Set(['The Test Sheet: Second story']));
    expect(await runJob(project, smtp)).toEqual({ kind: 'sent', issue: 2, accepted: 3, failed: 0, pending: 0, givenUp: 0 });
    expect((await smtp.parsed()).slice(3).map((m) => m.subject)).toEqual(Array(3).fill('The Test Sheet: Late story'));
  });

  it('does not send to someone who unsubscribed', async () => {
    const store = await project.store();
    expect((await store.unsubscribe('BO@example.net', new Date()))).toBe(true);
    expect((await store.unsubscribe('bo@example.net', new Date()))).toBe(false);
    await store.close();
    await runJob(project, smtp);
    expect(smtp.received.map((r) => r.to[0]).sort()).toEqual(['ann@example.org', 'cy@example.com']);
  });

  it('signs with DKIM, covering List-Unsubscribe and List-Unsubscribe-Post, and the signature verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    project.write('dkim.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }));
    project.configure((c) => (c.email!.dkim = { domainName: 'example.test', keySelector: 'news', privateKeyFile: 'dkim.pem' }));

    await runJob(project, smtp);
    expect(smtp.received).toHaveLength(3);
    const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const resolver = async (name: string, type: string) => {
      if (name === 'news._domainkey.example.test' && type === 'TXT') return [[txt]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    };
    const verify = async (raw: Buffer) => {
      const { results } = await dkimVerify(raw, { resolver });
      expect(results).toHaveLength(1);
      return results[0]!;
    };
    for (const [i, m] of (await smtp.parsed()).entries()) {
      const raw = smtp.received[i]!.raw;
      const sig = await verify(raw);
      expect(sig.status.result).toBe('pass');
      expect(sig.signingDomain).toBe('example.test');
      // Over-signed: each of these is listed once more than it occurs, so none can be added later.
      const h = /\bh=([^;]+);/.exec(header(m, 'DKIM-Signature'))![1]!.split(':').map((n) => n.trim());
      for (const name of ['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']) expect(h.filter((n) => n === name), name).toHaveLength(2);
      expect(h).toEqual(expect.arrayContaining(['list-id', 'message-id', 'date', 'to', 'mime-version', 'content-type']));
      // A second Subject or List-Unsubscribe put in front after signing breaks the signature.
      for (const added of ['Subject: You won a prize', 'List-Unsubscribe: <https://evil.example/>']) {
        const tampered = Buffer.concat([Buffer.from(`${added}\r\n`, 'latin1'), raw]);
        expect((await verify(tampered)).status.result, added).toBe('fail');
      }

      // Altering the signed List-Unsubscribe header breaks the signature.
      const forged = Buffer.from(raw.toString('latin1').replace('/unsubscribe/', '/unsubscribe/x'), 'latin1');
      expect((await verify(forged)).status.result).toBe('fail');
    }
  });
});
