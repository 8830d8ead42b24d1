import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isBroadsheetError } from '../../src/errors.js';
import { makeProject, PNG, type Project } from '../helpers/project.js';

let project: Project;
beforeEach(() => {
  project = makeProject({ articles: 'none' });
});

const load = () => project.site();
const problems = () => project.problems();

describe('front matter', () => {
  it('derives slug from the file name without its date prefix, url from the permalink, id from the url', async () => {
    project.article('2025-08-01-cloud-war', { title: 'Cloud', description: 'D', date: '2025-08-01' });
    const [e] = (await load()).entries;
    expect(e).toMatchObject({ slug: 'cloud-war', url: 'https://news.example.com/2025/08/cloud-war/', id: 'https://news.example.com/2025/08/cloud-war/', kind: 'article' });
    expect(e!.date.toISOString()).toBe('2025-08-01T00:00:00.000Z');
  });

  it('honours slug, url, id, a list of authors, tags and an offset time', async () => {
    project.article('x', {
      title: 'T',
      description: 'D',
      date: '2025-08-01T10:00:00+02:00',
      tags: ['cloud', 'AI Policy'],
      frontMatter: 'updated: 2025-08-02T09:00:00Z\nslug: my-slug\nurl: /custom/path.html\nid: "tag:news.example.com,2025:my-slug"\nauthor: [Ada Lovelace, Grace Hopper]',
    });
    const [e] = (await load()).entries;
    expect(e).toMatchObject({ slug: 'my-slug', url: 'https://news.example.com/custom/path.html', id: 'tag:news.example.com,2025:my-slug', tags: ['cloud', 'AI Policy'] });
    expect(e!.authors).toEqual([{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }]);
    expect(e!.date.toISOString()).toBe('2025-08-01T08:00:00.000Z');
    expect(e!.updated?.toISOString()).toBe('2025-08-02T09:00:00.000Z');
  });

  it('leaves out drafts and articles dated after the clock, and says so', async () => {
    project.article('live', { title: 'Live', description: 'D', date: '2025-08-01' });
    project.article('draft', { title: 'Draft', description: 'D', date: '2025-08-02', draft: true });
    project.article('later', { title: 'Later', description: 'D', date: '2025-09-02' });
    const site = await load();
    expect(site.entries.map((e) => e.slug)).toEqual(['live']);
    expect(site.unpublished).toEqual([
      { slug: 'draft', file: 'articles/draft.md', reason: 'draft' },
      { slug: 'later', file: 'articles/later.md', reason: 'scheduled' },
    ]);
  });

  it('refuses a published article whose related teaser is a draft', async () => {
    project.article('live', { title: 'Live', description: 'D', date: '2025-08-01', related: ['draft'] });
    project.article('draft', { title: 'Draft', description: 'D', date: '2025-08-02', draft: true, body: '' });
    expect(await problems()).toEqual(['articles/live.md:5: related[0]: "draft" is a draft and would be a broken link']);
  });

  it('sniffs a local image from its bytes, not its name, reads its length, and publishes it beside the article', async () => {
    project.write('articles/images/chart.jpg', PNG);
    project.article('pic', { title: 'Pic', description: 'D', date: '2025-08-01', image: { src: 'images/chart.jpg', alt: 'A chart' } });
    const [e] = (await load()).entries;
    expect(e!.image).toEqual({ url: 'https://news.example.com/2025/08/pic/images/chart.jpg', alt: 'A chart', type: 'image/png', length: PNG.length });
    expect(e!.files).toEqual([{ file: path.join(project.articles, 'images/chart.jpg'), outputPath: '2025/08/pic/images/chart.jpg' }]);
  });

  it('names the article, field and line of a missing local image, and of a missing alt text', async () => {
    project.article('pic', { title: 'Pic', description: 'D', date: '2025-08-01', image: { src: 'images/nope.png', alt: 'Nothing' } });
    project.article('noalt', { title: 'Pic', description: 'D', date: '2025-08-01', image: { src: 'https://cdn.example.com/a.png' } });
    expect(await problems()).toEqual([
      'articles/noalt.md:6: image.alt: is required: describe the image for readers who cannot see it: add alt: "what the image shows" (or "" if it is only decoration)',
      'articles/pic.md:6: image.src: images/nope.png not found (looked for articles/images/nope.png): put the file there or correct the path',
    ]);
  });

  it('reads an article larger than the shared read buffer whole', async () => {
    const paragraph = 'Long text. '.repeat(100);
    const body = Array.from({ length: 80 }, (_, i) => `${i}: ${paragraph}`).join('\n\n') + '\n\nThe end.\n';
    project.article('long', { title: 'Long', description: 'D', date: '2025-08-01', body });
    const [e] = (await load()).entries;
    expect(body.length).toBeGreaterThan(64 * 1024);
    expect(e!.html.match(/<p>/g)).toHaveLength(81);
    expect(e!.html.endsWith('<p>The end.</p>')).toBe(true);
  });

  it('encodes a local image file name that holds URL syntax', async () => {
    project.write('articles/img#1 ?.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    project.article('pic', { title: 'Pic', description: 'D', date: '2025-08-01', image: { src: 'img#1 ?.gif', alt: 'A' } });
    const [e] = (await load()).entries;
    expect(e!.image).toMatchObject({ url: 'https://news.example.com/2025/08/pic/img%231%20%3F.gif', type: 'image/gif' });
    expect(e!.files.map((f) => f.outputPath)).toEqual(['2025/08/pic/img#1 ?.gif']);
  });

  it('refuses an id the feeds could not carry, and names the line of a duplicate id', async () => {
    project.article('a', { title: 'T', description: 'D', date: '2025-08-01', frontMatter: 'id: "tag:example.com,2025:a|b"' });
    project.article('b', { title: 'T', description: 'D', date: '2025-08-01', frontMatter: 'id: "tag:example.com,2025:same"' });
    project.article('c', { title: 'T', description: 'D', date: '2025-08-01', frontMatter: '\nid: "tag:example.com,2025:same"' });
    expect(await problems()).toEqual([
      'articles/a.md:5: id: must be a URI such as "tag:example.com,2025:cloud-war" or a URL',
      'articles/c.md:6: id: duplicate id "tag:example.com,2025:same", also used by articles/b.md',
    ]);
  });

  it('treats a file with no body as a teaser', async () => {
    project.article('t', { title: 'Teaser', description: 'Summary...', date: '2025-08-01', body: '' });
    const [e] = (await load()).entries;
    expect(e).toMatchObject({ kind: 'teaser', html: '', description: 'Summary...' });
  });

  it('drops characters XML cannot carry and warns with the file and field', async () => {
    project.article('ctl', { title: 'Bad\u0001title', description: 'D', date: '2025-08-01', body: 'Body \u0001 with \uFFFE controls.\n' });
    const site = await load();
    expect(site.entries[0]!.title).toBe('Badtitle');
    expect(site.entries[0]!.html).toBe('<p>Body  with  controls.</p>');
    expect(site.warnings.map((w) => `${w.file}:${w.line}: ${w.field}`)).toEqual(['articles/ctl.md:2: title', 'articles/ctl.md:6: body']);
  });

  it('refuses updated before date, a bad slug and a non-http url', async () => {
    project.article('a', { title: 'T', description: 'D', date: '2025-08-02', frontMatter: 'updated: 2025-08-01' });
    project.article('b', { title: 'T', description: 'D', date: '2025-08-02', frontMatter: 'slug: Not A Slug' });
    project.article('c', { title: 'T', description: 'D', date: '2025-08-02', frontMatter: 'url: "javascript:alert(1)"' });
    expect(await problems()).toEqual([
      'articles/a.md:5: updated: is earlier than date: make it the same as date or later, or remove it',
      'articles/b.md:5: slug: slugs are lowercase letters, digits and single hyphens: write not-a-slug',
      'articles/c.md:5: url: "javascript:alert(1)" is not an http(s) URL or a path: write url: https://example.com/my-story/ or url: /my-story/',
    ]);
  });
});

describe('config', () => {
  it('reports every config problem with its line and field', async () => {
    project.write('broadsheet.config.yaml', 'site:\n  title: ""\n  url: ftp://x\n  language: english!\n  description: D\n  author: {name: N}\nfeeds:\n  items: 0\nschedule:\n  cron: "61 * * * *"\n  timezone: Mars/Olympus\n');
    await expect(project.loadConfig()).rejects.toSatisfy((e: unknown) => {
      const lines = isBroadsheetError(e) ? e.problems.map((p) => `${p.line}: ${p.field}: ${p.message}`) : [];
      expect(lines).toEqual([
        '2: site.title: Too small: expected string to have >=1 characters',
        '3: site.url: must be an absolute http(s) URL',
        '4: site.language: must be a language tag like "en" or "en-GB"',
        '8: feeds.items: Too small: expected number to be >=1',
        '10: schedule.cron: is not a valid cron expression (minute field "61" is not valid); use 5 fields "minute hour day-of-month month day-of-week", or 6 with seconds first',
        '11: schedule.timezone: is not a known IANA time zone (e.g. "Europe/London", "UTC")',
      ]);
      return true;
    });
  });
});
