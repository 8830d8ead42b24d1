import { load } from 'cheerio';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { personalize, renderDigest, type Recipient, type RenderedDigest } from '../../src/email/digest.js';
import { messageToEml } from '../../src/email/eml.js';
import { buildMessage } from '../../src/email/message.js';
import { firstIssueContent } from '../helpers/digest.js';
import { exampleConfig, exampleSite } from '../helpers/project.js';
import { headerLines, startSmtp } from '../helpers/smtp.js';

const reader: Recipient = {
  email: 'reader@example.org',
  name: 'Grace Hopper',
  unsubscribeUrl: 'https://news.example.com/unsubscribe/grace-token',
  viewUrl: 'https://news.example.com/issues/3/',
};

async function parsed(config: Config, digest: RenderedDigest, r: Recipient, extra = {}): Promise<{ raw: string; mail: ParsedMail }> {
  const raw = (await messageToEml(buildMessage(config, digest, personalize(digest)(r), r, extra))).toString('utf8');
  return { raw, mail: await simpleParser(raw) };
}


describe('buildMessage', () => {
  let config: Config;
  let digest: RenderedDigest;

  beforeAll(async () => {
    config = await exampleConfig();
    digest = await renderDigest(config, firstIssueContent(await exampleSite(config)));
  });

  it('sets From, Reply-To, To, Subject, List-Id, both List-Unsubscribe targets and the one-click header', async () => {
    const { mail } = await parsed(config, digest, reader);
    expect((mail.from as AddressObject).value).toEqual([{ name: 'The Broadsheet', address: 'digest@news.example.com' }]);
    expect((mail.replyTo as AddressObject).value).toEqual([{ name: 'Broadsheet Newsroom', address: 'newsroom@news.example.com' }]);
    expect((mail.to as AddressObject).value).toEqual([{ name: 'Grace Hopper', address: 'reader@example.org' }]);
    expect(mail.subject).toBe(digest.subject);
    expect(headerLines(mail, 'list-id')).toEqual(['List-ID: "The Broadsheet" <digest.news.example.com>']);
    expect(headerLines(mail, 'list-unsubscribe')).toEqual([
      'List-Unsubscribe: <https://news.example.com/unsubscribe/grace-token>, <mailto:unsubscribe@news.example.com?subject=unsubscribe>',
    ]);
    expect(headerLines(mail, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    expect(load(mail.html as string)('a:contains("Unsubscribe")').attr('href')).toBe(reader.unsubscribeUrl);
  });

  it('uses config.email.listId and a given mailto: URL', async () => {
    const custom = await exampleConfig((c) => {
      c.email!.listId = 'morning.news.example.com';
    });
    const { mail } = await parsed(custom, digest, reader, { listUnsubscribeMailto: 'mailto:leave@news.example.com?subject=leave%20grace-token' });
    expect(headerLines(mail, 'list-id')).toEqual(['List-ID: "The Broadsheet" <morning.news.example.com>']);
    expect(headerLines(mail, 'list-unsubscribe')[0]).toBe(
      'List-Unsubscribe: <https://news.example.com/unsubscribe/grace-token>, <mailto:leave@news.example.com?subject=leave%20grace-token>',
    );
  });

  it('derives a Message-ID from the digest and the address when none is given', async () => {
    const a = buildMessage(config, digest, personalize(digest)(reader), reader);
    const again = buildMessage(config, digest, personalize(digest)(reader), reader);
    const other = buildMessage(config, digest, personalize(digest)(reader), { ...reader, email: 'other@example.org' });
    expect(a.messageId).toMatch(/^<[0-9a-f]{32}@news\.example\.com>$/);
    expect(again.messageId).toBe(a.messageId);
    expect(other.messageId).not.toBe(a.messageId);
    expect(buildMessage(config, digest, personalize(digest)(reader), reader, { messageId: '<issue-3.abc@news.example.com>' }).messageId).toBe('<issue-3.abc@news.example.com>');
  });

  it('falls back to the site author as sender when config.email is absent', async () => {
    const bare = await exampleConfig((c) => {
      delete c.email;
    });
    const { mail } = await parsed(bare, digest, reader);
    expect((mail.from as AddressObject).value).toEqual([{ name: 'Broadsheet Newsroom', address: 'newsroom@news.example.com' }]);
    expect(headerLines(mail, 'list-id')).toEqual(['List-ID: "The Broadsheet" <digest.news.example.com>']);
    expect(headerLines(mail, 'list-unsubscribe')[0]).toContain('<mailto:newsroom@news.example.com?subject=unsubscribe>');
  });

  it('neutralises CR/LF header injection in the subject, the name and the URLs', async () => {
    const hostile = { ...digest, subject: 'Today\r\nBcc: victim@evil.example\r\n\r\n<b>body</b>' };
    const r: Recipient = {
      email: 'reader@example.org',
      name: 'Mallory\r\nBcc: spy@evil.example',
      unsubscribeUrl: 'https://news.example.com/unsubscribe/t\r\nX-Evil: 1',
      viewUrl: reader.viewUrl,
    };
    const { raw, mail } = await parsed(config, hostile, r, { messageId: '<a@b>\r\nX-Evil: 2' });
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('x-evil')).toBe(false);
    expect(raw).not.toMatch(/^(Bcc|X-Evil):/im);
    expect(mail.subject).toBe('Today Bcc: victim@evil.example <b>body</b>');
    expect((mail.to as AddressObject).value).toEqual([{ name: 'Mallory Bcc: spy@evil.example', address: 'reader@example.org' }]);
    expect(headerLines(mail, 'list-unsubscribe')[0]).toMatch(/^List-Unsubscribe: <https:\/\/news\.example\.com\/unsubscribe\/t%20X-Evil:%201>, /);
  });
});

describe('a digest message through a real SMTP server', () => {
  it('arrives as multipart/alternative with the headers and the recipient’s own link', async () => {
    const config = await exampleConfig();
    const digest = await renderDigest(config, firstIssueContent(await exampleSite(config)));
    const smtp = await startSmtp();
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
      const info = await transport.sendMail(buildMessage(config, digest, personalize(digest)(reader), reader));
      transport.close();
      expect(info.accepted).toEqual(['reader@example.org']);
    } finally {
      await smtp.close();
    }
    expect(smtp.received.map((r) => r.to)).toEqual([['reader@example.org']]);
    const raw = smtp.received[0]!.raw.toString('utf8');
    const mail = await simpleParser(raw);
    expect(raw).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(mail.text).toContain(`Unsubscribe: ${reader.unsubscribeUrl}`);
    expect(mail.text).toContain('Hello Grace Hopper,');
    expect(load(mail.html as string)('a:contains("Unsubscribe")').attr('href')).toBe(reader.unsubscribeUrl);
    expect(headerLines(mail, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
  });
});
