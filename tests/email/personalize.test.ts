import { load } from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import { personalize, renderDigest, type RenderedDigest } from '../../src/email/digest.js';
import { firstIssueContent } from '../helpers/digest.js';
import { exampleConfig, exampleSite } from '../helpers/project.js';

const ada = {
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  unsubscribeUrl: 'https://news.example.com/unsubscribe/ada-token',
  viewUrl: 'https://news.example.com/issues/7/',
};
const bob = { email: 'bob@example.org', unsubscribeUrl: 'https://news.example.com/unsubscribe/bob-token', viewUrl: 'https://news.example.com/issues/7/' };

describe('personalize', () => {
  let digest: RenderedDigest;
  let fill: ReturnType<typeof personalize>;

  beforeAll(async () => {
    const config = await exampleConfig();
    digest = await renderDigest(config, { ...firstIssueContent(await exampleSite(config)), number: 7 });
    fill = personalize(digest);
  });

  it('gives each recipient their own unsubscribe and view links, in the HTML and the text', () => {
    const a = fill(ada);
    const b = fill(bob);
    const $a = load(a.html);
    expect($a('a:contains("Unsubscribe")').attr('href')).toBe(ada.unsubscribeUrl);
    expect($a('a:contains("View this issue in your browser")').attr('href')).toBe(ada.viewUrl);
    expect(a.text).toContain(`Unsubscribe: ${ada.unsubscribeUrl}`);
    expect(a.text).toContain(`View this issue in your browser: ${ada.viewUrl}`);
    expect(load(b.html)('a:contains("Unsubscribe")').attr('href')).toBe(bob.unsubscribeUrl);
    expect(b.text).toContain(`Unsubscribe: ${bob.unsubscribeUrl}`);
    expect(a.html).not.toContain('bob-token');
    expect(b.html).not.toContain('ada-token');
  });

  it('greets a recipient by name and leaves the greeting out when there is no name', () => {
    expect(load(fill(ada).html)('td.bs-text p:contains("Hello")').text()).toBe('Hello Ada Lovelace,');
    expect(fill(ada).text).toContain('\n\nHello Ada Lovelace,\n\nPentagon Ends');
    expect(fill(bob).html).not.toContain('Hello');
    expect(fill(bob).text).not.toContain('Hello');
    expect(fill(bob).text).toContain(`${bob.viewUrl}\n\nPentagon Ends`);
  });

  it('numbers the issue in the dateline', () => {
    expect(fill(bob).text).toContain('Issue 7 · August 29, 2025');
  });

  it('escapes markup in names and URLs and keeps them on one line', () => {
    const hostile = {
      email: 'eve@example.org',
      name: '<img src=x onerror=alert(1)> "Eve" & co\r\nBcc: x@evil.example\u2028again',
      unsubscribeUrl: 'https://news.example.com/unsubscribe/"><script>alert(1)</script>',
      viewUrl: 'https://news.example.com/issues/7/',
    };
    const { html, text } = fill(hostile);
    const $ = load(html);
    expect($('td.bs-text p:contains("Hello")').text()).toBe('Hello <img src=x onerror=alert(1)> "Eve" & co Bcc: x@evil.example again,');
    expect($('img[src="x"]')).toHaveLength(0);
    expect($('script')).toHaveLength(0);
    expect($('a:contains("Unsubscribe")').attr('href')).toBe('https://news.example.com/unsubscribe/"><script>alert(1)</script>');
    expect(text).toContain('\nHello <img src=x onerror=alert(1)> "Eve" & co Bcc: x@evil.example again,\n');
    expect(text).not.toMatch(/\r|\u2028/);
  });

  it('changes nothing between two recipients but their own values', () => {
    const a = fill(ada).html;
    const b = fill({ ...ada, unsubscribeUrl: 'https://news.example.com/unsubscribe/other' }).html;
    expect(a.replace('ada-token', 'other')).toBe(b);
    expect(digest.html).not.toContain('ada-token');
  });
});
