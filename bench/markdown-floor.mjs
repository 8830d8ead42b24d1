// The Markdown stage alone, in a fresh process: what a build of the same site could not go below with
// today's parser. `bench/hugo.mjs` times it beside broadsheet and Hugo (`node bench/markdown-floor.mjs <articles dir>`).
//
// It reads every article file one after another, as the build does, cuts the front matter off without
// parsing it, and renders each body with broadsheet's own Markdown stage (markdown-it with our rules, links
// made absolute, raw HTML sanitised). Nothing else: no YAML, no schema, no feeds, no archive, no digest, no
// writes. Node's start and the import of the stage (from its bundle, with V8's code cache) are counted, as
// they are in a build.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { renderMarkdownBody } from '../dist/content/markdown.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/markdown-floor.mjs <articles dir>');
let bytes = 0;
for (const name of readdirSync(dir)) {
  if (!name.endsWith('.md')) continue;
  const text = readFileSync(path.join(dir, name), 'utf8');
  // The generated articles open with a `---` front matter block; the body starts after its closing line.
  const end = text.indexOf('\n---\n', 3);
  const body = end < 0 ? text : text.slice(end + 5);
  // A teaser (front matter, no body) has nothing to render, in a build as here.
  if (body.trim() === '') continue;
  bytes += renderMarkdownBody(body, 'https://news.example.com/', name.slice(0, -3)).length;
}
// Printed so the work cannot be skipped, and so a run that rendered nothing is seen.
console.log(`${bytes} bytes of HTML`);
