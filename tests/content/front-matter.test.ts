import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { isBroadsheetError } from '../../src/errors.js';
import { useContentProject } from './project.js';

const t = useContentProject();
const { load, problems } = t;
const article = (fields: string, body = 'Body text.\n') => `---\n${fields}\n---\n\n${body}`;

describe('front matter', () => {
  it('derives slug from the file name without its date prefix, url from the permalink, id from the url', async () => {
    t.project.write('articles/2025-08-01-cloud-war.md', article('title: Cloud\ndescription: D\ndate: 2025-08-01'));
    const [e] = (await load()).entries;
    expect(e).toMatchObject({ slug: 'cloud-war', url: 'https://news.example.com/2025/08/cloud-war/', id: 'https://news.example.com/2025/08/cloud-war/', kind: 'article' });
    expect(e!.date.toISOString()).toBe('2025-08-01T00:00:00.000Z');
  });

  it('honours slug, url, id, a list of authors, tags and an offset time', async () => {
    t.project.write('articles/x.md', article('title: T\ndescription: D\ndate: 2025-08-01T10:00:00+02:00\nupdated: 2025-08-02T09:00:00Z\nslug: my-slug\nurl: /custom/path.html\nid: "tag:news.example.com,2025:my-slug"\nauthor: [Ada Lovelace, Grace Hopper]\ntags: [cloud, AI Policy]'));
    const [e] = (await load()).entries;
    expect(e).toMatchObject({ slug: 'my-slug', url: 'https://news.example.com/custom/path.html', id: 'tag:news.example.com,2025:my-slug', tags: ['cloud', 'AI Policy'] });
    expect(e!.authors).toEqual([{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }]);
    expect(e!.date.toISOString()).toBe('2025-08-01T08:00:00.000Z');
    expect(e!.updated?.toISOString()).toBe('2025-08-02T09:00:00.000Z');
  });

  it('leaves out drafts and articles dated after the clock, and says so', async () => {
    t.project.write('articles/live.md', article('title: Live\ndescription: D\ndate: 2025-08-01'));
    t.project.write('articles/draft.md', article('title: Draft\ndescription: D\ndate: 2025-08-02\ndraft: true'));
    t.project.write('articles/later.md', article('title: Later\ndescription: D\ndate: 2025-09-02'));
    const site = await load();
    expect(site.entries.map((e) => e.slug)).toEqual(['live']);
    expect(site.unpublished).toEqual([
      { slug: 'draft', file: 'articles/draft.md', reason: 'draft' },
      { slug: 'later', file: 'articles/later.md', reason: 'scheduled' },
    ]);
  });

  it('refuses a published article whose related teaser is a draft', async () => {
    t.project.write('articles/live.md', article('title: Live\ndescription: D\ndate: 2025-08-01\nrelated: [draft]'));
    t.project.write('articles/draft.md', article('title: Draft\ndescription: D\ndate: 2025-08-02\ndraft: true', ''));
    expect(await problems()).toEqual(['articles/live.md:5: related[0]: "draft" is a draft and would be a broken link']);
  });

  it('sniffs a local image from its bytes, not its name, reads its length, and publishes it beside the article', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001ffffff0000000049454e44ae426082', 'hex');
    t.project.write('articles/images/chart.jpg', png);
    t.project.write('articles/pic.md', article('title: Pic\ndescription: D\ndate: 2025-08-01\nimage:\n  src: images/chart.jpg\n  alt: A chart'));
    const [e] = (await load()).entries;
    expect(e!.image).toEqual({ url: 'https://news.example.com/2025/08/pic/images/chart.jpg', alt: 'A chart', type: 'image/png', length: png.length });
    expect(e!.files).toEqual([{ file: path.join(t.project.articles, 'images/chart.jpg'), outputPath: '2025/08/pic/images/chart.jpg' }]);
  });

  it('names the article, field and line of a missing local image, and of a missing alt text', async () => {
    t.project.write('articles/pic.md', article('title: Pic\ndescription: D\ndate: 2025-08-01\nimage:\n  src: images/nope.png\n  alt: Nothing'));
    t.project.write('articles/noalt.md', article('title: Pic\ndescription: D\ndate: 2025-08-01\nimage:\n  src: https://cdn.example.com/a.png'));
    expect(await problems()).toEqual([
      'articles/noalt.md:6: image.alt: is required: describe the image for readers who cannot see it: add alt: "what the image shows" (or "" if it is only decoration)',
      'articles/pic.md:6: image.src: images/nope.png not found (looked for articles/images/nope.png): put the file there or correct the path',
    ]);
  });

  it('reads an article larger than the shared read buffer whole', async () => {
    const paragraph = 'Long text. '.repeat(100);
    const body = Array.from({ length: 80 }, (_, i) => `${i}: ${paragraph}`).join('\n\n') + '\n\nThe end.\n';
    t.project.write('articles/long.md', article('title: Long\ndescription: D\ndate: 2025-08-01', body));
    const [e] = (await load()).entries;
    expect(body.length).toBeGreaterThan(64 * 1024);
    expect(e!.html.match(/<p>/g)).toHaveLength(81);
    expect(e!.html.endsWith('<p>The end.</p>')).toBe(true);
  });

  it('encodes a local image file name that holds URL syntax', async () => {
    t.project.write('articles/img#1 ?.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    t.project.write('articles/pic.md', article('title: Pic\ndescription: D\ndate: 2025-08-01\nimage:\n  src: "img#1 ?.gif"\n  alt: A'));
    const [e] = (await load()).entries;
    expect(e!.image).toMatchObject({ url: 'https://news.example.com/2025/08/pic/img%231%20%3F.gif', type: 'image/gif' });
    expect(e!.files.map((f) => f.outputPath)).toEqual(['2025/08/pic/img#1 ?.gif']);
  });

  it('refuses an id the feeds could not carry, and names the line of a duplicate id', async () => {
    t.project.write('articles/a.md', article('title: T\ndescription: D\ndate: 2025-08-01\nid: "tag:example.com,2025:a|b"'));
    t.project.write('articles/b.md', article('title: T\ndescription: D\ndate: 2025-08-01\nid: "tag:example.com,2025:same"'));
    t.project.write('articles/c.md', article('title: T\ndescription: D\ndate: 2025-08-01\n\nid: "tag:example.com,2025:same"'));
    expect(await problems()).toEqual([
      'articles/a.md:5: id: must be a URI such as "tag:example.com,2025:cloud-war" or a URL',
      'articles/c.md:6: id: duplicate id "tag:example.com,2025:same", also used by articles/b.md',
    ]);
  });

  it('treats a file with no body as a teaser', async () => {
    t.project.write('articles/t.md', '---\ntitle: Teaser\ndescription: Summary...\ndate: 2025-08-01\n---\n\n');
    const [e] = (await load()).entries;
    expect(e).toMatchObject({ kind: 'teaser', html: '', description: 'Summary...' });
  });

  it('drops characters XML cannot carry and warns with the file and field', async () => {
    t.project.write('articles/ctl.md', article('title: "Bad\\u0001title"\ndescription: D\ndate: 2025-08-01', 'Body \u0001 with \uFFFE controls.\n'));
    const site = await load();
    expect(site.entries[0]!.title).toBe('Badtitle');
    expect(site.entries[0]!.html).toBe('<p>Body  with  controls.</p>');
    expect(site.warnings.map((w) => `${w.file}:${w.line}: ${w.field}`)).toEqual(['articles/ctl.md:2: title', 'articles/ctl.md:6: body']);
  });

  it('refuses updated before date, a bad slug and a non-http url', async () => {
    t.project.write('articles/a.md', article('title: T\ndescription: D\ndate: 2025-08-02\nupdated: 2025-08-01'));
    t.project.write('articles/b.md', article('title: T\ndescription: D\ndate: 2025-08-02\nslug: Not A Slug'));
    t.project.write('articles/c.md', article('title: T\ndescription: D\ndate: 2025-08-02\nurl: "javascript:alert(1)"'));
    expect(await problems()).toEqual([
      'articles/a.md:5: updated: is earlier than date: make it the same as date or later, or remove it',
      'articles/b.md:5: slug: slugs are lowercase letters, digits and single hyphens: write not-a-slug',
      'articles/c.md:5: url: "javascript:alert(1)" is not an http(s) URL or a path: write url: https://example.com/my-story/ or url: /my-story/',
    ]);
  });
});

describe('config', () => {
  it('reports every config problem with its line and field', async () => {
    writeFileSync(t.project.config, 'site:\n  title: ""\n  url: ftp://x\n  language: english!\n  description: D\n  author: {name: N}\nfeeds:\n  items: 0\nschedule:\n  cron: "61 * * * *"\n  timezone: Mars/Olympus\n');
    await expect(loadConfig(t.project.config)).rejects.toSatisfy((e: unknown) => {
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
