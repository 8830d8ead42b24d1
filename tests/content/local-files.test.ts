import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { sniffMediaType } from '../../src/content/image.js';
import { build } from '../../src/pipeline/build.js';
import { CLOCK, makeProject, PNG, type Project } from '../helpers/project.js';

/**
 * One rule for the files an article uses: relative to the article file,
 * published beside the article's page (its URL), every one copied, a missing
 * one reported at its line.
 */

let project: Project;
beforeEach(() => {
  project = makeProject({ articles: 'none' });
});
const load = () => project.site();
const problems = () => project.problems();
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
const MP3 = Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(100)]);
const URL_BASE = 'https://news.example.com/2025/08/trip/';

describe('local files an article uses', () => {
  it('resolves front-matter and inline images, reference images, <img>, <video> with its poster, and an enclosure the same way', async () => {
    project.write('articles/trip/map.png', PNG);
    project.write('articles/trip/img/a b.gif', GIF);
    project.write('articles/trip/ref.gif', GIF);
    project.write('articles/trip/raw.gif', GIF);
    project.write('articles/trip/poster.png', PNG);
    project.write('articles/trip/clip.mp4', Buffer.from('\x00\x00\x00\x18ftypisom\x00\x00\x02\x00', 'latin1'));
    project.write('articles/trip/episode.mp3', MP3);
    project.write('articles/shared/logo.gif', GIF);
    const body = [
      '![A map](map.png "The route")',
      '',
      '![Spaces](img/a%20b.gif) and ![By reference][pic] and ![The logo](../shared/logo.gif)',
      '',
      '<img src="raw.gif" alt="Raw">',
      '',
      '<video src="clip.mp4" poster="poster.png" title="The boat"></video>',
      '',
      '![Remote](https://cdn.example.com/x.png) and ![On the site](/static/y.png)',
      '',
      '[pic]: ref.gif',
    ].join('\n');
    project.write('articles/trip/index.md', `---\ntitle: Trip\ndate: 2025-08-01\nimage: { src: map.png, alt: A map }\nenclosure: episode.mp3\n---\n\n${body}\n`);
    const [e] = (await load()).entries;
    expect(e!.image).toEqual({ url: `${URL_BASE}map.png`, alt: 'A map', type: 'image/png', length: PNG.length });
    expect(e!.enclosure).toEqual({ url: `${URL_BASE}episode.mp3`, type: 'audio/mpeg', length: MP3.length });
    expect(e!.files.map((f) => [path.relative(project.articles, f.file), f.outputPath]).sort()).toEqual([
      ['shared/logo.gif', '2025/08/shared/logo.gif'],
      ['trip/clip.mp4', '2025/08/trip/clip.mp4'],
      ['trip/episode.mp3', '2025/08/trip/episode.mp3'],
      ['trip/img/a b.gif', '2025/08/trip/img/a b.gif'],
      ['trip/map.png', '2025/08/trip/map.png'],
      ['trip/poster.png', '2025/08/trip/poster.png'],
      ['trip/raw.gif', '2025/08/trip/raw.gif'],
      ['trip/ref.gif', '2025/08/trip/ref.gif'],
    ]);
    expect(e!.html).toContain(`<img src="${URL_BASE}img/a%20b.gif" alt="Spaces" />`);
    expect(e!.html).toContain(`<a href="${URL_BASE}clip.mp4"><img src="${URL_BASE}poster.png" alt="" /></a>`);
    expect(e!.html).toContain('src="https://news.example.com/static/y.png"');
  });

  it('a build copies every one of them beside the article’s page, byte for byte', async () => {
    project.write('articles/trip/map.png', PNG);
    project.write('articles/trip/inline.gif', GIF);
    project.write('articles/trip/index.md', '---\ntitle: Trip\ndate: 2025-08-01\ndescription: D\nimage: { src: map.png, alt: A map }\n---\n\n![Inline](inline.gif)\n');
    const report = await build(await project.loadConfig(), CLOCK);
    expect(report.written.filter((f) => f.startsWith('2025/'))).toEqual(['2025/08/trip/inline.gif', '2025/08/trip/map.png']);
    expect(Buffer.compare(await readFile(path.join(project.output, '2025/08/trip/inline.gif')), GIF)).toBe(0);
    expect(Buffer.compare(await readFile(path.join(project.output, '2025/08/trip/map.png')), PNG)).toBe(0);
  });

  it('reports a missing or unusable one at its line; one in code is not looked for', async () => {
    const body = [
      'Text.', // 6
      '',
      '![Gone](gone.png)', // 8
      '',
      '```',
      '![In code](not-looked-for.png)',
      '```',
      '',
      '`![in a span](nor-this.png)`',
      '',
      '<img alt="x" src="also-gone.jpg">', // 16
      '',
      '![Text file](notes.png)', // 18
      '',
      '![Climbs out](../../../../../outside.png)', // 20
    ].join('\n');
    project.write('articles/trip/notes.png', 'not an image');
    project.write('articles/trip/index.md', `---\ntitle: Trip\ndate: 2025-08-01\n---\n\n${body}\n`);
    expect(await problems()).toEqual([
      'articles/trip/index.md:8: body: gone.png not found (looked for articles/trip/gone.png): put the file there or correct the path',
      'articles/trip/index.md:16: body: also-gone.jpg not found (looked for articles/trip/also-gone.jpg): put the file there or correct the path',
      'articles/trip/index.md:18: body: notes.png is not a JPEG, PNG, GIF, WebP, AVIF or SVG image',
      'articles/trip/index.md:20: body: ../../../../../outside.png is outside the content folder',
    ]);
  });

  it('refuses two different files published at one path, and a remote enclosure without its type', async () => {
    project.write('articles/a/cover.gif', GIF);
    project.write('articles/b/cover.gif', Buffer.concat([GIF, Buffer.from('x')]));
    project.write('articles/a/index.md', '---\ntitle: A\ndate: 2025-08-01\nurl: /same/a.html\n---\n\nA.\n\n![A](cover.gif)\n');
    project.write('articles/b/index.md', '---\ntitle: B\ndate: 2025-08-01\nurl: /same/b.html\n---\n\nB.\n\n![B](cover.gif)\n');
    project.write('articles/c.md', '---\ntitle: C\ndate: 2025-08-01\nenclosure: https://cdn.example.com/ep.mp3\n---\n\nC.\n');
    expect(await problems()).toEqual([
      'articles/b/index.md:-: : same/cover.gif would be published for this entry and for articles/a/index.md, from different files: rename one of them',
      'articles/c.md:4: enclosure: needs the file\'s type, which cannot be read from a remote file: write enclosure: { src: https://cdn.example.com/ep.mp3, type: audio/mpeg, length: <bytes> }',
    ]);
  });

  it('reads an enclosure’s type from its first bytes: MP3, MPEG-4 audio and video, Ogg, WebM, WAV, FLAC, PDF', () => {
    const head = (text: string) => Buffer.from(text, 'latin1');
    expect(
      [
        head('ID3\x04\x00'),
        head('\xff\xfb\x90\x00'),
        head('\x00\x00\x00\x20ftypM4A \x00'),
        head('\x00\x00\x00\x18ftypisom'),
        head('OggS\x00\x02'),
        head('\x1a\x45\xdf\xa3\x01'),
        head('RIFF\x24\x00\x00\x00WAVEfmt '),
        head('fLaC\x00'),
        head('%PDF-1.7'),
        head('plain text'),
      ].map(sniffMediaType),
    ).toEqual(['audio/mpeg', 'audio/mpeg', 'audio/mp4', 'video/mp4', 'audio/ogg', 'video/webm', 'audio/wav', 'audio/flac', 'application/pdf', undefined]);
  });
});
