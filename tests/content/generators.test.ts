import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeProject, showProblem as show, type Project } from '../helpers/project.js';

/** Front matter as Hugo, Jekyll and Eleventy write it: formats, aliases, dates, bundles, exclusions, warnings. */

let project: Project;
beforeEach(() => {
  project = makeProject({ articles: 'none' });
});
const load = () => project.site();
const problems = () => project.problems();

describe('front matter formats', () => {
  it('reads TOML between +++ lines, with native dates, tables and arrays', async () => {
    project.write('articles/posts/post-1.md', "+++\ntitle = 'Post 1'\ndate = 2023-01-15T09:00:00-07:00\ndraft = false\ntags = ['red', 'green']\n[image]\nsrc = 'https://cdn.example.com/a.png'\nalt = 'A'\n+++\n\nBody.\n");
    project.write('articles/posts/local-date.md', "+++\ntitle = 'Local'\ndescription = 'D'\ndate = 2023-01-16\n+++\n\nBody.\n");
    const site = await load();
    const [local, post] = site.entries;
    expect(post).toMatchObject({ slug: 'post-1', title: 'Post 1', tags: ['red', 'green'], image: { url: 'https://cdn.example.com/a.png', alt: 'A' }, description: 'Body.' });
    expect(post!.date.toISOString()).toBe('2023-01-15T16:00:00.000Z');
    expect(local!.date.toISOString()).toBe('2023-01-16T00:00:00.000Z');
  });

  it('reports TOML problems at their lines, in tables too, and malformed TOML at the parser’s line', async () => {
    project.write('articles/a.md', "+++\ntitle = 'A'\ndate = 'last Tuesday'\n\n[image]\nsrc = 'x.png'\n+++\nBody\n");
    project.write('articles/b.md', "+++\ntitle = 'B'\ndate = = 2\n+++\nBody\n");
    expect(await problems()).toEqual([
      'articles/a.md:3: date: "last Tuesday" is not a date: write 2025-08-29, 2025-08-29T14:30:00Z or 2025-08-29 14:30:00 +0100',
      'articles/b.md:3: : malformed TOML: invalid value',
    ]);
    project.write('articles/a.md', "+++\ntitle = 'A'\ndate = 2025-01-01\n\n[image]\nsrc = 'x.png'\n+++\nBody\n");
    project.write('articles/b.md', "+++\ntitle = 'B'\ndate = 2025-01-01\nimage = { src = 'x.png', alt = 'X' }\n+++\nBody\n");
    expect(await problems()).toEqual([
      'articles/a.md:5: image.alt: is required: describe the image for readers who cannot see it: add alt: "what the image shows" (or "" if it is only decoration)',
      'articles/b.md:4: image.src: x.png not found (looked for articles/x.png): put the file there or correct the path',
    ]);
  });

  it('reads a JSON object opening the file, and Eleventy’s ---json, with problems at their lines', async () => {
    project.write('articles/j.md', '{\n  "title": "JSON",\n  "date": "2024-02-03T10:00:00Z",\n  "tags": ["x"]\n}\n\nBody.\n');
    project.write('articles/k.md', '---json\n{ "title": "Tagged", "date": "2024-02-04" }\n---\nBody.\n');
    const site = await load();
    expect(site.entries.map((e) => [e.slug, e.title, e.date.toISOString(), e.tags])).toEqual([
      ['k', 'Tagged', '2024-02-04T00:00:00.000Z', []],
      ['j', 'JSON', '2024-02-03T10:00:00.000Z', ['x']],
    ]);
    project.write('articles/j.md', '{\n  "title": "JSON",\n  "date": "2024-02-30",\n  "draft": "yes"\n}\nBody.\n');
    project.write('articles/k.md', '{\n  "title": "JSON",\n  "date": "2024-02-03",\n}\nBody.\n');
    expect(await problems()).toEqual([
      'articles/j.md:3: date: "2024-02-30" is not a real calendar date or time',
      'articles/j.md:4: draft: must be true or false: write draft: true',
      expect.stringMatching(/^articles\/k\.md:4: : malformed JSON: /),
    ]);
  });

  it('leaves out a file whose front matter is code (Eleventy’s ---js), with a warning', async () => {
    project.write('articles/fifthpost.md', '---js\nconst title = "This is a fifth post";\nconst draft = true;\n---\nThis is a draft post\n');
    project.write('articles/kept.md', '---\ntitle: Kept\ndate: 2024-01-01\n---\nBody.\n');
    const site = await load();
    expect(site.entries.map((e) => e.slug)).toEqual(['kept']);
    expect(site.warnings.map(show)).toEqual(['articles/fifthpost.md:1: : front matter in js is never run, so this file is left out: write its fields in YAML to publish it']);
  });
});

describe('aliases', () => {
  it('summary/excerpt → description, lastmod/modified → updated, categories join tags, permalink → url, authors → author', async () => {
    project.write('articles/hugo.md', '---\ntitle: Hugo\ndate: 2024-01-01\nsummary: The summary.\nlastmod: 2024-01-05\ncategories: [news]\ntags: [go]\nauthors: [Ann]\n---\nBody.\n');
    project.write('articles/2024-01-02-jekyll.md', '---\ntitle: Jekyll\nexcerpt: The excerpt.\nmodified: 2024-01-03\ncategories: jekyll update\npermalink: /blog/custom/\n---\nBody.\n');
    project.write('articles/both.md', '---\ntitle: Both\ndate: 2024-01-01\ndescription: Wins.\nsummary: Ignored.\n---\nBody.\n');
    const site = await load();
    const by = Object.fromEntries(site.entries.map((e) => [e.slug, e]));
    expect(by.hugo).toMatchObject({ description: 'The summary.', tags: ['go', 'news'], authors: [{ name: 'Ann' }] });
    expect(by.hugo!.updated?.toISOString()).toBe('2024-01-05T00:00:00.000Z');
    expect(by.jekyll).toMatchObject({ description: 'The excerpt.', tags: ['jekyll', 'update'], url: 'https://news.example.com/blog/custom/' });
    expect(by.jekyll!.updated?.toISOString()).toBe('2024-01-03T00:00:00.000Z');
    expect(by.both!.description).toBe('Wins.');
    // A single tag written as a string is one tag (Eleventy's `tags: second tag`).
    project.write('articles/eleventy.md', '---\ntitle: E\ndate: 2024-01-01\ntags: second tag\n---\nBody.\n');
    expect((await load()).bySlug.get('eleventy')!.tags).toEqual(['second tag']);
  });

  it('reports a problem under the name it was written with, at its line', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\nlastmod: soon\npermalink: "/posts/{{ page.fileSlug }}/"\n---\nBody.\n');
    expect(await problems()).toEqual([
      'articles/a.md:4: lastmod: "soon" is not a date: write 2025-08-29, 2025-08-29T14:30:00Z or 2025-08-29 14:30:00 +0100',
    ]);
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\npermalink: "/posts/{{ page.fileSlug }}/"\n---\nBody.\n');
    expect(await problems()).toEqual([
      'articles/a.md:4: permalink: "/posts/{{ page.fileSlug }}/" is a template, which broadsheet does not run: write the path (url: /blog/a/), or remove it to use content.permalink',
    ]);
  });

  it('takes the image from images[0] or a string image, its alt from image_alt or alt, never from the title', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\nimages: [https://cdn.example.com/a.jpg, https://cdn.example.com/b.jpg]\nimage_alt: A harbour\n---\nBody.\n');
    project.write('articles/b.md', '---\ntitle: B\ndate: 2024-01-01\nimage: https://cdn.example.com/c.jpg\nalt: A crane\n---\nBody.\n');
    project.write('articles/c.md', '---\ntitle: C\ndate: 2024-01-01\nimage: { path: "https://cdn.example.com/d.jpg", alt: A dock }\n---\nBody.\n');
    const site = await load();
    expect(site.entries.map((e) => [e.slug, e.image])).toEqual([
      ['a', { url: 'https://cdn.example.com/a.jpg', alt: 'A harbour' }],
      ['b', { url: 'https://cdn.example.com/c.jpg', alt: 'A crane' }],
      ['c', { url: 'https://cdn.example.com/d.jpg', alt: 'A dock' }],
    ]);
    project.write('articles/d.md', '---\ntitle: D\ndate: 2024-01-01\nimages:\n  - https://cdn.example.com/e.jpg\n---\nBody.\n');
    expect(await problems()).toEqual([
      'articles/d.md:5: images[0]: is required: describe the image for readers who cannot see it: add image_alt: "what the image shows" (or "" if it is only decoration)',
    ]);
  });

  it('reads a field with no value as no field', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\ndescription:\ntags:\nsummary: From the summary.\n---\nBody.\n');
    expect((await load()).entries[0]).toMatchObject({ description: 'From the summary.', tags: [] });
  });

  it('keeps a Jekyll post with published: false out, as a draft', async () => {
    project.write('articles/hidden.md', '---\ntitle: Hidden\ndate: 2024-01-01\npublished: false\n---\nBody.\n');
    const site = await load();
    expect(site.entries).toEqual([]);
    expect(site.unpublished).toEqual([{ slug: 'hidden', file: 'articles/hidden.md', reason: 'draft' }]);
  });
});

describe('dates', () => {
  it('reads Jekyll’s "YYYY-MM-DD HH:MM:SS ±hhmm", and other offsets', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-02 10:00:00 +0100\n---\nBody.\n');
    project.write('articles/b.md', '---\ntitle: B\ndate: 2010-01-10 13:07:09 +00:00\n---\nBody.\n');
    project.write('articles/c.md', '---\ntitle: C\ndate: 2024-01-02T10:00:00.250-07:00\n---\nBody.\n');
    const dates = Object.fromEntries((await load()).entries.map((e) => [e.slug, e.date.toISOString()]));
    expect(dates).toEqual({ a: '2024-01-02T09:00:00.000Z', b: '2010-01-10T13:07:09.000Z', c: '2024-01-02T17:00:00.250Z' });
  });

  it('takes the date from a YYYY-MM-DD- file or bundle folder name when the front matter has none', async () => {
    project.write('articles/2024-03-05-from-name.md', '---\ntitle: Named\n---\nBody.\n');
    project.write('articles/2024-03-06-bundle/index.md', '---\ntitle: Bundle\n---\nBody.\n');
    const site = await load();
    expect(site.entries.map((e) => [e.slug, e.date.toISOString(), e.url])).toEqual([
      ['bundle', '2024-03-06T00:00:00.000Z', 'https://news.example.com/2024/03/bundle/'],
      ['from-name', '2024-03-05T00:00:00.000Z', 'https://news.example.com/2024/03/from-name/'],
    ]);
  });

  it('reads a date or time without an offset in site.timezone, and fills the permalink in that zone', async () => {
    project.configure((c) => {
      c.site.timezone = 'Europe/London';
    });
    project.write('articles/a.md', '---\ntitle: A\ndate: 2025-08-01\n---\nBody.\n');
    project.write('articles/b.md', '---\ntitle: B\ndate: 2025-01-10 09:30\n---\nBody.\n');
    project.write('articles/2025-07-01-c.md', '---\ntitle: C\n---\nBody.\n');
    project.write('articles/d.md', "+++\ntitle = 'D'\ndate = 2025-08-02T08:00:00\n+++\nBody.\n");
    const site = await load();
    expect(site.entries.map((e) => [e.slug, e.date.toISOString(), e.url])).toEqual([
      ['d', '2025-08-02T07:00:00.000Z', 'https://news.example.com/2025/08/d/'],
      ['a', '2025-07-31T23:00:00.000Z', 'https://news.example.com/2025/08/a/'],
      ['c', '2025-06-30T23:00:00.000Z', 'https://news.example.com/2025/07/c/'],
      ['b', '2025-01-10T09:30:00.000Z', 'https://news.example.com/2025/01/b/'],
    ]);
  });

  it('refuses a year before 1000 or after 9999, and a missing date, saying what to write', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 0999-12-31\n---\nBody.\n');
    project.write('articles/b.md', '---\ntitle: B\ndate: 10000-01-01\n---\nBody.\n');
    project.write('articles/c.md', '---\ntitle: C\ndate: 9999-12-31T23:00:00-05:00\n---\nBody.\n');
    project.write('articles/d.md', '---\ntitle: D\ndate: 0000-01-01\n---\nBody.\n');
    project.write('articles/e.md', '---\ntitle: E\n---\nBody.\n');
    project.write('articles/f.md', '---\ntitle: F\ndate: 2024-01-01\nupdated: 0001-01-01\n---\nBody.\n');
    expect(await problems()).toEqual([
      'articles/a.md:3: date: year 999 is out of range: write a date between the years 1000 and 9999',
      'articles/b.md:3: date: year 10000 is out of range: write a date between the years 1000 and 9999',
      'articles/c.md:3: date: "9999-12-31T23:00:00-05:00" is in the year 10000 in UTC: write a date between the years 1000 and 9999',
      'articles/d.md:3: date: year 0 is out of range: write a date between the years 1000 and 9999',
      'articles/e.md:2: date: is required: add date: 2025-08-29 (or 2025-08-29T14:30:00Z), or start the file name with the date, as in 2025-08-29-my-story.md',
      'articles/f.md:4: updated: year 1 is out of range: write a date between the years 1000 and 9999',
    ]);
  });
});

describe('the standfirst from the body', () => {
  it('is the first paragraph with text, as plain text, cut at a word within 200 characters with an ellipsis', async () => {
    const long = 'The committee met on Tuesday & agreed, after a long debate about the <budget>, that the bridge would be rebuilt in stone rather than steel, which pleased the historians and annoyed the engineers who had drawn the plans.';
    project.write('articles/a.md', `---\ntitle: A\ndate: 2024-01-01\n---\n\n![A bridge](https://cdn.example.com/b.jpg)\n\n${long.replace('<budget>', '*budget*')}\n\nSecond.\n`);
    project.write('articles/b.md', '---\ntitle: B\ndate: 2024-01-01\n---\n\n## Heading\n\nShort *first* [paragraph](https://example.com/).\n');
    const site = await load();
    const a = site.bySlug.get('a')!.description;
    expect(a).toBe('The committee met on Tuesday & agreed, after a long debate about the budget, that the bridge would be rebuilt in stone rather than steel, which pleased the historians and annoyed the engineers who…');
    expect([...a].length).toBeLessThanOrEqual(200);
    expect(site.bySlug.get('b')!.description).toBe('Short first paragraph.');
  });

  it('is required of a teaser, which has no body to take it from', async () => {
    project.write('articles/t.md', '---\ntitle: T\ndate: 2024-01-01\n---\n');
    expect(await problems()).toEqual(['articles/t.md:2: description: is required (a teaser has no body to take it from): add description: "one or two sentences under the title"']);
  });
});

describe('page bundles, exclusions and slugs', () => {
  it('takes a bundle’s slug from its folder and its images from beside it', async () => {
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
    project.write('articles/posts/post-3/index.md', "+++\ntitle = 'Post 3'\ndate = 2023-03-15T11:00:00-07:00\n+++\n\nText.\n\n![Bryce Canyon National Park](bryce-canyon.jpg)\n");
    project.write('articles/posts/post-3/bryce-canyon.jpg', jpeg);
    const [e] = (await load()).entries;
    expect(e).toMatchObject({ slug: 'post-3', url: 'https://news.example.com/2023/03/post-3/' });
    expect(e!.html).toContain('<img src="https://news.example.com/2023/03/post-3/bryce-canyon.jpg" alt="Bryce Canyon National Park" />');
    expect(e!.files).toEqual([{ file: path.join(project.articles, 'posts/post-3/bryce-canyon.jpg'), outputPath: '2023/03/post-3/bryce-canyon.jpg' }]);
  });

  it('leaves out _index.md always, and what content.exclude names (by default _* and drafts folders)', async () => {
    project.write('articles/_index.md', "+++\ntitle = 'Home'\n+++\nA list page.\n");
    project.write('articles/posts/_index.md', 'not even front matter\n');
    project.write('articles/_drafts/wip.md', '---\ntitle: WIP\n---\n');
    project.write('articles/posts/drafts/later.md', 'broken');
    project.write('articles/posts/drafts.md', '---\ntitle: A post called drafts\ndate: 2024-01-01\n---\nBody.\n');
    project.write('articles/posts/kept.md', '---\ntitle: Kept\ndate: 2024-01-01\n---\nBody.\n');
    expect((await load()).entries.map((e) => e.slug)).toEqual(['drafts', 'kept']);
    // A fresh project: none of the files above.
    project = makeProject({ articles: 'none', config: (c) => (c.content.exclude = ['posts/old-*.md']) });
    project.write('articles/_index.md', 'a list page, never an entry\n');
    project.write('articles/posts/old-one.md', 'broken');
    project.write('articles/_notes/kept-now.md', '---\ntitle: Kept now\ndate: 2024-01-01\n---\nBody.\n');
    expect((await load()).entries.map((e) => e.slug)).toEqual(['kept-now']);
  });

  it('makes a slug from any file name, and says what to write for a bad one in front matter', async () => {
    project.write('articles/2009-03-12-Hash #1.md', '---\ntitle: Hash\n---\nBody.\n');
    expect((await load()).entries.map((e) => e.slug)).toEqual(['hash-1']);
    project.write('articles/x.md', '---\ntitle: X\ndate: 2024-01-01\nslug: Hugo-More\n---\nBody.\n');
    expect(await problems()).toEqual(['articles/x.md:4: slug: slugs are lowercase letters, digits and single hyphens: write hugo-more']);
  });

  it('suggests the slug a related entry probably meant', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\nrelated: [cloud-wars]\n---\nBody.\n');
    project.write('articles/cloud-war.md', '---\ntitle: B\ndate: 2024-01-01\ndescription: D\n---\n');
    expect(await problems()).toEqual(['articles/a.md:4: related[0]: no article has the slug "cloud-wars": did you mean "cloud-war"?']);
  });
});

describe('unknown fields and leftover template tags', () => {
  it('are one summarised warning by default, and errors with a suggestion under content.strict', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\nlayout: post\ntilte: typo\n---\nBody.\n');
    project.write('articles/b.md', '---\ntitle: B\ndate: 2024-01-01\nlayout: post\nweight: 3\n---\nBody.\n');
    const site = await load();
    expect(site.warnings.map(show)).toEqual([
      'articles:-: : ignored 3 front-matter field(s) broadsheet does not read, in 2 file(s): layout (2), tilte (1; did you mean title?), weight (1); set content.strict: true to make them errors',
    ]);
    // A fresh project: b.md's fields would be errors too.
    project = makeProject({ articles: 'none', config: (c) => (c.content.strict = true) });
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\nlayout: post\ntilte: typo\n---\nBody.\n');
    expect(await problems()).toEqual([
      'articles/a.md:4: layout: unknown field: remove it, or set content.strict: false to have unknown fields ignored',
      'articles/a.md:5: tilte: unknown field: did you mean "title"? remove it, or set content.strict: false to have unknown fields ignored',
    ]);
  });

  it('warns of each shortcode and template tag left in a body, with its line, but not of those in code', async () => {
    const body = [
      'Intro {{< youtube 0RKpf3rK57I >}} here.', // line 6
      '',
      '{% highlight ruby %}',
      'def hi; end',
      '{% endhighlight %}',
      '',
      'Inline `{{ not.this }}` and {{ page.title }} and {{% notice %}}.',
      '',
      '```',
      '{{< inside.a.fence >}}',
      '```',
      '',
      '    {{ indented.code }}',
    ].join('\n');
    project.write('articles/a.md', `---\ntitle: A\ndate: 2024-01-01\n---\n\n${body}\n`);
    const site = await load();
    expect(site.warnings.map(show)).toEqual([
      'articles/a.md:6: body: {{< youtube 0RKpf3rK57I >}} is a Hugo shortcode, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for',
      'articles/a.md:8: body: {% highlight ruby %} is a Liquid or Nunjucks tag, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for',
      'articles/a.md:10: body: {% endhighlight %} is a Liquid or Nunjucks tag, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for',
      'articles/a.md:12: body: {{ page.title }} is a template expression, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for',
      'articles/a.md:12: body: {{% notice %}} is a Hugo shortcode, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for',
    ]);
  });
});

describe('characters the validator rejects, and per-entry language', () => {
  it('strips DEL and C1 controls like C0 ones, with the same warning', async () => {
    project.write('articles/a.md', '---\ntitle: "Caf\\u0080e\\u007F"\ndescription: "Cut\\u009F here"\ndate: 2024-01-01\n---\n\nBody \u0085with\u007F controls.\n');
    const site = await load();
    const [e] = site.entries;
    expect([e!.title, e!.description, e!.html]).toEqual(['Cafe', 'Cut here', '<p>Body with controls.</p>']);
    expect(site.warnings.map(show)).toEqual([
      'articles/a.md:2: title: removed control characters that XML cannot carry',
      'articles/a.md:3: description: removed control characters that XML cannot carry',
      'articles/a.md:6: body: removed control characters that XML cannot carry',
    ]);
  });

  it('reads lang as a language tag, and says what to write for a bad one', async () => {
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\nlang: fr-CA\n---\nBody.\n');
    expect((await load()).entries[0]!.lang).toBe('fr-CA');
    project.write('articles/a.md', '---\ntitle: A\ndate: 2024-01-01\nlang: French\n---\nBody.\n');
    expect(await problems()).toEqual(['articles/a.md:4: lang: must be a language tag: write lang: fr or lang: en-GB']);
  });
});
