// Bundles the dependencies that are slow to load into dist/bundled/<name>.cjs, each with V8's code cache
// (<name>.cjs.v8), after `tsc` (npm run build:ts, prepare, prepack). src/util/bundled.ts loads them; without
// them broadsheet imports the packages as usual, only slower to start (docs/performance.md).
//
// A bundle leaves out, as a stub that throws when called, each module its package loads but that broadsheet's
// use of it never runs: a test renders through the bundle and through the package and compares the bytes
// (tests/email/mjml-bundle.test.ts), so a stub that is reached fails it.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repo, 'package.json'));
const { bundleDir, bundleFile, codeCacheFile, loadBundled, versionsFile } = await import(path.join(repo, 'dist/util/bundled.js'));
const { MJML_OPTIONS } = await import(path.join(repo, 'dist/email/mjml.js'));

// A digest's usual parts, so that the code cache holds the functions a render runs.
const WARM_UP_MJML = `<mjml lang="en">
  <mj-head>
    <mj-title>Warm-up</mj-title>
    <mj-preview>Preheader</mj-preview>
    <mj-attributes><mj-all font-family="Georgia, serif" /><mj-class name="muted" color="#555555" /><mj-text font-size="16px" /></mj-attributes>
    <mj-style inline="inline">.lead a { color: #1a4d8f; }</mj-style>
    <mj-style>@media (prefers-color-scheme: dark) { .body { background: #111111 !important; } }</mj-style>
  </mj-head>
  <mj-body css-class="body" width="600px">
    <mj-raw><div style="display:none">hidden</div></mj-raw>
    <mj-section padding="0"><mj-column><mj-text mj-class="muted" css-class="lead"><h1>Title</h1><p>A <a href="https://example.com/">link</a> &amp; text.</p><table><tr><td>cell</td></tr></table></mj-text>
      <mj-image src="https://example.com/a.jpg" alt="An image" width="560px" href="https://example.com/" /><mj-divider border-width="1px" border-color="#dddddd" />
      <mj-button href="https://example.com/" background-color="#1a4d8f">Read</mj-button></mj-column></mj-section>
    <mj-section><mj-column width="33%"><mj-text>One</mj-text></mj-column><mj-column width="67%"><mj-text>Two</mj-text></mj-column></mj-section>
  </mj-body>
</mjml>`;

const WARM_UP_MARKDOWN = `# Title

Some *emphasis*, **strong**, ~~struck~~, \`code\`, a [link](https://example.com/ "t"), www.example.com and <b>html</b>.[^1]

| a | b |
| - | :-: |
| 1 | 2 |

- [x] done
- item

> quote

1. one

\`\`\`js
code();
\`\`\`

![alt](https://example.com/i.png)

[^1]: A note.
`;

const BUNDLES = [
  {
    name: 'mjml',
    // Loaded by mjml-core, cheerio and juice for what broadsheet never asks of them: fetching a URL
    // (undici, encoding sniffing), streaming parsers, minifying (needs Node 22 anyway), beautifying,
    // .mjmlconfig files, inlining remote resources.
    stubs: ['undici', 'encoding-sniffer', 'whatwg-mimetype', 'parse5-parser-stream', 'js-beautify', 'htmlnano', 'posthtml', 'cssnano', 'cssnano-preset-lite', 'cosmiconfig', 'web-resource-inliner'],
    async warmUp(mjml2html) {
      await mjml2html(WARM_UP_MJML, { ...MJML_OPTIONS, fonts: {} });
    },
  },
  {
    name: 'markdown-it',
    warmUp(MarkdownIt) {
      const md = new MarkdownIt({ html: true, linkify: true, xhtmlOut: true });
      md.parse(WARM_UP_MARKDOWN, {});
      md.render(WARM_UP_MARKDOWN);
    },
  },
  {
    name: 'markdown-it-footnote',
    warmUp(footnote) {
      require('markdown-it')().use(footnote).render(WARM_UP_MARKDOWN);
    },
  },
  {
    name: 'js-yaml',
    warmUp(jsyaml) {
      jsyaml.load('title: "A"\ndate: 2025-08-29\ntags: [a, b]\nnested:\n  key: 1\nlist:\n  - x\n  - y\ntext: |\n  line\n', { schema: jsyaml.CORE_SCHEMA });
    },
  },
  {
    name: 'zod',
    warmUp({ z }) {
      const schema = z.strictObject({ a: z.string().min(1), b: z.number().int().optional(), c: z.array(z.enum(['x', 'y'])).default([]), d: z.union([z.string(), z.boolean()]).refine((v) => v !== '') });
      schema.safeParse({ a: 'a', b: 1, c: ['x'], d: true });
      schema.safeParse({ a: '', b: 1.5, c: ['z'], e: 1 });
    },
  },
  {
    name: 'feed',
    warmUp({ Feed }) {
      const feed = new Feed({ title: 'T', id: 'https://example.com/', link: 'https://example.com/', copyright: 'c', updated: new Date(0) });
      feed.addItem({ title: 'I', id: 'https://example.com/i', link: 'https://example.com/i', date: new Date(0), description: 'd', content: '<p>c</p>' });
      feed.rss2();
    },
  },
  {
    name: 'handlebars',
    warmUp(Handlebars) {
      const hb = Handlebars.create();
      hb.registerHelper('upper', (s) => String(s).toUpperCase());
      hb.registerPartial('p', '{{name}}');
      hb.compile('{{#each items}}{{> p}} {{upper name}}{{#if @last}}.{{/if}}{{/each}} {{{raw}}}')({ items: [{ name: 'a' }, { name: 'b' }], raw: '<b>' });
    },
  },
  {
    name: 'nodemailer',
    async warmUp(nodemailer) {
      const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
      await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'Warm-up é', text: 'text', html: '<p>html</p>', headers: { 'List-Id': '<x.example.com>' } });
    },
  },
  {
    name: 'node-cron',
    warmUp(cron) {
      cron.validate('0 7 * * *');
      cron.validateDetailed('61 * * * *');
      cron.parse('*/15 9-17 * * 1-5');
    },
  },
  {
    name: 'sanitize-html',
    warmUp(sanitizeHtml) {
      sanitizeHtml('<p onclick="x">a <a href="https://example.com/">b</a><script>c</script><img src="x.png" alt="d"></p>', { allowedTags: ['p', 'a', 'img'], allowedAttributes: { a: ['href'], img: ['src', 'alt'] } });
    },
  },
];

const stubSource = (name) => `// ${name} is left out of this bundle (scripts/bundle.mjs): reaching it is a defect.
module.exports = new Proxy({}, {
  get(_, key) {
    if (typeof key === 'symbol' || key === '__esModule' || key === 'default' || key === 'then') return undefined;
    return function leftOut() { throw new Error(${JSON.stringify(name)} + '.' + String(key) + ' is left out of broadsheet\\'s bundle'); };
  },
});
`;

rmSync(bundleDir(), { recursive: true, force: true });
// The bundle of broadsheet's own modules, made last (below): a bundle of older code must never outlive this run.
const { codeFolderHash } = await import(path.join(repo, 'dist/util/cache.js'));
const { CLI_BUNDLE, CLI_BUNDLE_MANIFEST } = await import(path.join(repo, 'dist/util/cli-bundle.js'));
const dist = path.join(repo, 'dist');
const cliBundle = path.join(dist, CLI_BUNDLE);
rmSync(cliBundle, { recursive: true, force: true });
// rolldown is native code with a build for each platform npm knows; where none installs, broadsheet still
// works, loading its dependencies from node_modules (slower to start), so an install must not fail for it.
let build;
try {
  ({ build } = await import('rolldown'));
} catch (error) {
  console.warn(`notice: nothing bundled (rolldown cannot load here: ${error.message.split('\n')[0]}); broadsheet loads its modules from dist/ and its dependencies from node_modules, only slower to start`);
  process.exit(0);
}
mkdirSync(bundleDir(), { recursive: true });
for (const bundle of BUNDLES) {
  const stubs = new Set(bundle.stubs ?? []);
  const { output } = await build({
    // What require(name) loads, as util/bundled.ts falls back to.
    input: require.resolve(bundle.name),
    cwd: repo,
    platform: 'node',
    logLevel: 'silent',
    plugins: [
      {
        name: 'left-out',
        resolveId(id) {
          return stubs.has(id) ? `\0left-out:${id}` : null;
        },
        load(id) {
          return id.startsWith('\0left-out:') ? stubSource(id.slice('\0left-out:'.length)) : null;
        },
      },
    ],
    output: { file: bundleFile(bundle.name), format: 'cjs', codeSplitting: false, comments: { legal: true } },
  });
  writeFileSync(versionsFile(bundle.name), `${JSON.stringify(packagesIn(output[0].moduleIds))}\n`);
  const loaded = loadBundled(bundle.name);
  await bundle.warmUp(loaded.exports);
  writeFileSync(codeCacheFile(bundle.name), loaded.createCache());
}

/** `name@version` of every package a bundle holds code of, sorted: the build cache keys what a bundle renders by these. */
function packagesIn(moduleIds) {
  // One package.json read per installed package folder, not per module (MJML's bundle holds hundreds).
  const byFolder = new Map();
  for (const id of moduleIds) {
    const at = id.lastIndexOf('/node_modules/');
    if (at === -1) continue;
    const parts = id.slice(at + '/node_modules/'.length).split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    const folder = path.join(id.slice(0, at), 'node_modules', name);
    if (!byFolder.has(folder)) byFolder.set(folder, `${name}@${JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')).version}`);
  }
  return [...new Set(byFolder.values())].sort();
}

// ---- broadsheet's own modules -----------------------------------------------------------------------
//
// One ES module bundle of what tsc compiled, split at each dynamic import (what a command does not run is
// not loaded), in dist/cli-bundle/: a folder one below dist/, where every module that finds a file from
// its own place sits (util/version.ts), so the same relative paths hold. Its entries are cli.js and each
// worker a module starts by `new URL('./name.js', import.meta.url)`, found in the compiled code so that a
// new worker cannot be left out. src/bin.ts runs it while no module it was made from is newer; its
// manifest holds the hash of its code, which the build cache keys records by (util/cache.ts).
const workers = new Map();
const findWorkers = (dir) => {
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, item.name);
    if (item.isDirectory()) {
      if (full !== bundleDir() && full !== cliBundle) findWorkers(full);
    } else if (item.name.endsWith('.js')) {
      for (const m of readFileSync(full, 'utf8').matchAll(/new URL\('\.\/([\w-]+)\.js', import\.meta\.url\)/g)) {
        const file = path.join(dir, `${m[1]}.js`);
        if (workers.has(m[1]) && workers.get(m[1]) !== file) throw new Error(`two workers are named ${m[1]}.js: ${workers.get(m[1])} and ${file}`);
        workers.set(m[1], file);
      }
    }
  }
};
findWorkers(dist);
const cliEntry = path.join(dist, 'cli.js');
/** Every module `from` imports, directly or not, leaving out dynamic imports. */
const staticClosure = (ctx, from) => {
  const seen = new Set();
  const visit = (id) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of ctx.getModuleInfo(id)?.importedIds ?? []) visit(dep);
  };
  visit(from);
  return seen;
};
let closures;
/** What cli.js and the workers import before they run, found once per build. */
const startLoad = (ctx) => (closures ??= { cli: staticClosure(ctx, cliEntry), workers: new Set([...workers.values()].flatMap((w) => [...staticClosure(ctx, w)])) });
const { output: own } = await build({
  input: { cli: cliEntry, ...Object.fromEntries(workers) },
  cwd: repo,
  platform: 'node',
  logLevel: 'silent',
  // Packages stay where they are: the slow ones load from their own bundles (util/bundled.ts).
  external: (id) => !id.startsWith('.') && !path.isAbsolute(id),
  output: {
    dir: cliBundle,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    // What the CLI imports before it runs a command goes into two chunks, not one per module shared with
    // a dynamic import or a worker (29 files for `broadsheet --version`): `cli-core`, what only cli.js
    // imports, and `shared`, what a worker imports too, so that a worker does not load the CLI. What a
    // command imports when it runs stays split at its dynamic imports.
    codeSplitting: {
      groups: [
        { name: (id, ctx) => (startLoad(ctx).workers.has(id) && closures.cli.has(id) ? 'shared' : null), priority: 2 },
        { name: (id, ctx) => (id !== cliEntry && startLoad(ctx).cli.has(id) ? 'cli-core' : null), priority: 1 },
      ],
    },
  },
});
const inputs = [...new Set(own.flatMap((o) => (o.type === 'chunk' ? o.moduleIds : [])))]
  .map((id) => path.relative(dist, id).split(path.sep).join('/'))
  .sort();
if (inputs.some((f) => f.startsWith('..'))) throw new Error(`the bundle of broadsheet's modules took code from outside dist/: ${inputs.filter((f) => f.startsWith('..')).join(', ')}`);
const manifest = path.join(cliBundle, CLI_BUNDLE_MANIFEST);
// Written last, and whole: src/bin.ts runs the bundle only once its manifest is there.
writeFileSync(`${manifest}.tmp`, `${JSON.stringify({ codeHash: codeFolderHash(cliBundle), inputs }, null, 2)}\n`);
renameSync(`${manifest}.tmp`, manifest);
