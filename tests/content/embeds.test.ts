import { describe, expect, it } from 'vitest';
import { renderMarkdownBody } from '../../src/content/markdown.js';
import { isSanitized } from '../../src/feeds/html.js';

/** Embeds through the whole body pipeline (Markdown, embeds, sanitiser): what a reader gets instead of an empty paragraph. */

const BASE = 'https://news.example.com/2025/08/story/';
const render = (md: string) => renderMarkdownBody(md, BASE);

describe('embeds become something a reader can use', () => {
  it('a YouTube iframe becomes its thumbnail and "Watch on YouTube: <title>", never an empty paragraph', () => {
    const html = render('Before.\n\n<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?si=abc" title="Never Gonna &amp; Give" frameborder="0" allowfullscreen></iframe>\n\nAfter.');
    expect(html).toBe(
      '<p>Before.</p>\n<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"><img src="https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg" alt="" /></a><br /><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">Watch on YouTube: Never Gonna &amp; Give</a></p>\n<p>After.</p>',
    );
    expect(html).not.toContain('<p></p>');
    expect(isSanitized(html)).toBe(true);
  });

  it('the provider’s generic title says nothing and is left out', () => {
    expect(render('<iframe src="https://www.youtube.com/embed/abcdefghijk" title="YouTube video player"></iframe>')).toContain('>Watch on YouTube</a>');
  });

  it('Vimeo and any other embedded page become a link; an embed inside a block of HTML gets its own paragraph', () => {
    expect(render('<div class="embed">\n<iframe src="https://player.vimeo.com/video/76979871?h=8272103f6e" title="The New Vimeo Player"></iframe>\n</div>')).toBe(
      '<p><a href="https://vimeo.com/76979871/8272103f6e">Watch on Vimeo: The New Vimeo Player</a></p>',
    );
    expect(render('<iframe src="https://open.spotify.com/embed/episode/x1"></iframe>')).toBe('<p><a href="https://open.spotify.com/embed/episode/x1">View on open.spotify.com</a></p>');
  });

  it('a video becomes its poster and a link to the file; an audio file a "Listen" link; relative sources made absolute', () => {
    expect(render('<video controls poster="poster.jpg" title="The launch"><source src="launch.webm" type="video/webm">Your browser cannot play this.</video>')).toBe(
      `<p><a href="${BASE}launch.webm"><img src="${BASE}poster.jpg" alt="" /></a><br /><a href="${BASE}launch.webm">Watch the video: The launch</a></p>`,
    );
    expect(render('<audio controls src="https://cdn.example.com/ep1.mp3"></audio>')).toBe('<p><a href="https://cdn.example.com/ep1.mp3">Listen</a></p>');
    // Nothing to link to: nothing left, not an empty paragraph.
    expect(render('Text.\n\n<video controls></video>')).toBe('<p>Text.</p>');
  });

  it('<details> keeps its summary readable, apart from the content', () => {
    expect(render('<details>\n<summary>Read the <em>methodology</em></summary>\n\nWe asked 1,000 people.\n\n</details>')).toBe(
      '<p><strong>Read the <em>methodology</em></strong></p>\n<p>We asked 1,000 people.</p>',
    );
  });

  it('leaves an iframe written in a code block as code', () => {
    expect(render('```html\n<iframe src="https://www.youtube.com/embed/abcdefghijk"></iframe>\n```')).toBe(
      '<pre><code class="language-html">&lt;iframe src=&quot;https://www.youtube.com/embed/abcdefghijk&quot;&gt;&lt;/iframe&gt;\n</code></pre>',
    );
  });
});
