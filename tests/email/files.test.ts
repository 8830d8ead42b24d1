import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutputFile } from '../../src/output/files.js';
import { firstIssueFiles } from '../helpers/digest.js';
import { exampleConfig } from '../helpers/project.js';
import { headerLines } from '../helpers/smtp.js';

const GOLDEN = path.join(import.meta.dirname, 'golden');
const bytes = (f: OutputFile | undefined) => Buffer.from(f?.content ?? '');
const file = (files: OutputFile[], name: string) => files.find((f) => f.path === name);

describe('digest files of the example site', () => {
  let first: Awaited<ReturnType<typeof firstIssueFiles>>;
  let mail: ParsedMail;
  let raw: string;

  beforeAll(async () => {
    const config = await exampleConfig();
    first = await firstIssueFiles(config);
    raw = bytes(file(first.files, 'digest.eml')).toString('utf8');
    mail = await simpleParser(raw);
  });

  it('writes digest.html, digest.txt and digest.eml with no warning', () => {
    expect(first.files.map((f) => f.path)).toEqual(['digest.html', 'digest.txt', 'digest.eml']);
    expect(first.warnings).toEqual([]);
  });

  it('is byte-identical across renders, whatever the time', async () => {
    const again = await firstIssueFiles(await exampleConfig());
    for (const f of first.files) expect(bytes(file(again.files, f.path)).equals(bytes(f))).toBe(true);
  });

  it('matches the golden files (UPDATE_GOLDEN=1 rewrites them)', () => {
    for (const f of first.files) {
      const golden = path.join(GOLDEN, f.path);
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(golden, bytes(f));
      }
      expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(bytes(f).equals(readFileSync(golden)), `${f.path} differs from ${golden}`).toBe(true);
    }
  });

  it('is a multipart/alternative message with the text and the HTML of the files', () => {
    expect(raw).toMatch(/^Content-Type: multipart\/alternative;\r\n boundary="--_NmP-[0-9a-f]{16}-Part_1"\r\n/m);
    expect(raw).toMatch(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    expect(raw).toMatch(/\r\nContent-Type: text\/html; charset=utf-8\r\n/);
    expect(raw).not.toMatch(/[^\r]\n/);
    expect(mail.text).toBe(bytes(file(first.files, 'digest.txt')).toString('utf8'));
    expect(mail.html).toBe(bytes(file(first.files, 'digest.html')).toString('utf8'));
  });

  it('has the sender, subject, fixed date and list headers', () => {
    expect((mail.from as AddressObject).value).toEqual([{ name: 'The Broadsheet', address: 'digest@news.example.com' }]);
    expect((mail.replyTo as AddressObject).value).toEqual([{ name: 'Broadsheet Newsroom', address: 'newsroom@news.example.com' }]);
    expect(mail.subject).toBe("The Broadsheet: Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud");
    expect(mail.date?.toISOString()).toBe('2025-08-29T14:30:00.000Z');
    expect(mail.messageId).toBe('<issue-1.preview@news.example.com>');
    expect(headerLines(mail, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    expect(headerLines(mail, 'List-Unsubscribe')).toEqual(['List-Unsubscribe: <https://news.example.com/unsubscribe/>, <mailto:unsubscribe@news.example.com?subject=unsubscribe>']);
    expect(headerLines(mail, 'List-Id')).toEqual(['List-ID: "The Broadsheet" <digest.news.example.com>']);
    expect(raw).not.toMatch(/^X-Mailer:/im);
  });

  it('stays under Gmail’s clipping limit', () => {
    expect(bytes(file(first.files, 'digest.html')).length).toBeLessThan(102_000);
  });
});

describe('digest size', () => {
  it('warns, naming digest.html and its size, when the HTML is over digest.maxBytes', async () => {
    const config = await exampleConfig((c) => {
      c.digest.maxBytes = 20_000;
    });
    const { files, warnings } = await firstIssueFiles(config);
    const size = bytes(file(files, 'digest.html')).length;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.file).toBe('output/digest.html');
    expect(warnings[0]!.message).toContain(`${size} bytes, over digest.maxBytes (20000)`);
    expect(files).toHaveLength(3);
  });
});
