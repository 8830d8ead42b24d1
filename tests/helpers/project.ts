/**
 * The one way to make a broadsheet project in a test.
 *
 * Constants
 * - `REPO`, `CLI` (dist/bin.js), `EXAMPLE_CONFIG_FILE` (the repository's broadsheet.config.yaml,
 *   the only example config: a test that needs other values patches it in code).
 * - `SECRET` (a strong BROADSHEET_SECRET), `NOW` and `CLOCK` (the fixed time every test runs at,
 *   after every example article), `PNG` (a small image file).
 *
 * Builders
 * - `makeProject(options?): Project`, a folder holding a config and an articles/ folder:
 *   - `articles: 'example' | 'none'`: a copy of the example articles (default) or none;
 *   - `config: (c) => void`: changes to the parsed example config before it is written;
 *   - `templates: { 'partials/card.mjml': text | (current) => text }`: a copy of email-templates/
 *     with those files replaced; without it the config points at the repository's templates;
 *   - `files: { 'rel/path': text | bytes }`: any other files.
 * - `Project`: `dir`, `configFile`, `articles`, `output`, `data` (absolute paths);
 *   `write(rel, content)`, `read(rel)`; `article(slug, fields)`, the one way to write an article
 *   (a slug with folders, `'episode/index'`, writes a page bundle's `articles/episode/index.md`);
 *   `configure(patch)` to change the config later; `loadConfig()` (read afresh each call);
 *   `site(clock?)`, the content stage run on the project (at CLOCK); `problems(clock?)`, every
 *   problem of a run that must fail, as `showProblem` writes them;
 *   `store()` (open the project's store, data.url's PostgreSQL or the data folder's SQLite; close it after); `addSubscribers(list)`; `cleanup()`.
 *   Front matter `article` does not write (TOML, JSON, a missing date, exact lines) is written
 *   whole with `write('articles/<name>.md', text)`, and so are the files beside it.
 * - `showProblem(p)`: a problem or warning as `file:line: field: message` (`-` for no line).
 * - `exampleConfig(patch?)`: the example config in memory, paths resolved against the repository;
 *   `exampleSite(config?)`: its site at CLOCK.
 * - `tempDir()`: an empty folder. Folders made here are removed after the test file, so
 *   `cleanup()` is only for a test that wants its folder gone sooner.
 * - `snapshotDir(dir)`: every file's bytes and mtime, to prove a run touched nothing.
 *
 *   const project = makeProject({ articles: 'none', config: (c) => (c.digest.maxTeasers = 2) });
 *   project.article('lead', { title: 'The lead', date: '2025-08-25T09:00:00Z', related: ['note'] });
 *   project.article('note', { title: 'A note', date: '2025-08-24T09:00:00Z', body: '' }); // a teaser
 *   const built = await runCli(['build'], { cwd: project.dir });
 *
 * Beside this file:
 * - cli.ts: `runCli(args, { cwd, env })` → `{ code, stdout, stderr }` (env: only PATH and what
 *   is given); `commandContext(configFile, out)` to run a command in this process.
 * - child.ts: `startCli(args, { cwd, env })` for long-running commands, following their log.
 * - smtp.ts: `startSmtp(behaviour?)`, a real SMTP server on 127.0.0.1; `smtpError(code, text)`;
 *   `headerLines(mail, name)`, `headerValue(mail, name)` to read a received message.
 * - delivery.ts: `TEST_SHEET` (a ConfigPatch: the delivery tests' newsletter), `runJob(project,
 *   smtp, over?)`, `memoryLogger()`, `subscriberList(n)`.
 * - digest.ts: `firstIssueContent(site)`, `firstIssueFiles(config)`.
 * - feeds.ts: `exampleFeeds()`, `AT_BASE`/`BASE` (a site below a path), `writeMediaArticles(project)`,
 *   and the validators (libxml2, RELAX NG, xmllint, feedparser, JSON Feed schema).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { parse, stringify } from 'yaml';
import { fixedClock, type Clock } from '../../src/clock.js';
import { loadConfig, resolveConfig, type Config } from '../../src/config/load.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { loadSite } from '../../src/content/load.js';
import type { Site } from '../../src/content/model.js';
import { isBroadsheetError, type Problem } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
/** What the `broadsheet` command runs: the bundle of broadsheet's modules when it is current (src/bin.ts). */
export const CLI = path.join(REPO, 'dist', 'bin.js');
export const EXAMPLE_CONFIG_FILE = path.join(REPO, 'broadsheet.config.yaml');

/** 32 random bytes, base64: a secret as strong as the one a deployment must set. */
export const SECRET = 'H7aH8ejHSszQ2s06EpsazPPXJunu+erxfsfoFy5465E=';
/** After every example article; the date of every sent message and ledger row. */
export const NOW = '2025-09-01T07:00:00Z';
export const CLOCK = fixedClock(NOW);

/** A 2×2 PNG (78 bytes). */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFUlEQVR4nGP4z8DAAMIMDP////8PACHtBft+PDzTAAAAAElFTkSuQmCC', 'base64');

type Sections = { [K in keyof ConfigInput]-?: NonNullable<ConfigInput[K]> };
/** The example config as YAML data: every section it has is there to change; `email` may be deleted. */
export type ConfigYaml = Omit<Sections, 'email'> & { email?: Sections['email'] };
export type ConfigPatch = (config: ConfigYaml) => void;

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An empty folder, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-test-'));
  temps.push(dir);
  return dir;
}

function exampleYaml(patch?: ConfigPatch): ConfigYaml {
  const data = parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8')) as ConfigYaml;
  patch?.(data);
  return data;
}

/** The example config (as the CLI loads it), or in memory changed by `patch`; relative paths resolve against the repository. */
export async function exampleConfig(patch?: ConfigPatch): Promise<Config> {
  if (!patch) return loadConfig(EXAMPLE_CONFIG_FILE);
  return resolveConfig(configSchema.parse(exampleYaml(patch)), EXAMPLE_CONFIG_FILE);
}

/** The published entries of a config's site (the example site by default) at CLOCK. */
export async function exampleSite(config?: Config): Promise<Site> {
  return loadSite(config ?? (await exampleConfig()), CLOCK);
}

/** A problem or warning as the tests compare them: every part shown, `-` for a missing line. */
export const showProblem = (p: Problem): string => `${p.file}:${p.line ?? '-'}: ${p.field ?? ''}: ${p.message}`;

export interface ArticleFields {
  title: string;
  /** `2025-08-20` or `2025-08-20T09:00:00Z`. */
  date: string;
  /** The standfirst; "About <title>." when left out. */
  description?: string;
  /** Markdown; two paragraphs when left out, '' for a teaser. */
  body?: string;
  related?: string[];
  tags?: string[];
  image?: { src: string; alt?: string; type?: string; caption?: string };
  draft?: boolean;
  /** The entry's language tag, when not the site's. */
  lang?: string;
  /** An audio or video file (or any other) attached to the entry: a path beside the article, or a URL. */
  enclosure?: string | { src: string; type?: string; length?: number; title?: string };
  /** More front matter (updated, author, slug, url, id…), as YAML lines written after the fields above. */
  frontMatter?: string;
}

/** An article file: title, description and date on lines 2 to 4, then the other fields in the order above. */
function articleText(f: ArticleFields): string {
  const q = (v: unknown) => JSON.stringify(v);
  const lines = [`title: ${q(f.title)}`, `description: ${q(f.description ?? `About ${f.title}.`)}`, `date: ${q(f.date)}`];
  if (f.related) lines.push(`related: ${q(f.related)}`);
  if (f.tags) lines.push(`tags: ${q(f.tags)}`);
  const mapping = (name: string, value: object) => [`${name}:`, ...Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [`  ${k}: ${q(v)}`]))];
  if (f.image) lines.push(...mapping('image', f.image));
  if (f.draft !== undefined) lines.push(`draft: ${f.draft}`);
  if (f.lang !== undefined) lines.push(`lang: ${q(f.lang)}`);
  if (f.enclosure !== undefined) lines.push(...(typeof f.enclosure === 'string' ? [`enclosure: ${q(f.enclosure)}`] : mapping('enclosure', f.enclosure)));
  if (f.frontMatter !== undefined) lines.push(f.frontMatter);
  const body = f.body ?? `The story of ${f.title}.\n\nA second paragraph.\n`;
  return `---\n${lines.join('\n')}\n---\n\n${body}`;
}

export interface ProjectOptions {
  /** 'example' (the default): a copy of the repository's articles/; 'none': an empty articles/ folder. */
  articles?: 'example' | 'none';
  /** Changes to the example config before it is written. */
  config?: ConfigPatch;
  /** A copy of email-templates/ in the project with these files replaced (text) or edited (a function of the text). */
  templates?: Record<string, string | ((current: string) => string)>;
  /** Any other files, by path under the project. */
  files?: Record<string, string | Uint8Array>;
}

export interface Project {
  dir: string;
  configFile: string;
  /** The content folder. */
  articles: string;
  output: string;
  /** The data folder (the store, the locks). */
  data: string;
  /** Writes (or overwrites) a file under the project. */
  write(rel: string, content: string | Uint8Array): void;
  read(rel: string): string;
  /** Writes articles/<slug>.md in one rename, so a running scheduler never reads half of it; `a/index` is a page bundle. */
  article(slug: string, fields: ArticleFields): void;
  /** Rewrites the config file with `patch` applied to what it holds. */
  configure(patch: ConfigPatch): void;
  /** The config as the CLI would load it now. */
  loadConfig(overrides?: { outDir?: string }): Promise<Config>;
  /** The content stage on the project as it is now: its published entries, what it left out, its warnings. */
  site(clock?: Clock): Promise<Site>;
  /** Every problem of a content run that must fail, as `showProblem` writes them (throws if it succeeds). */
  problems(clock?: Clock): Promise<string[]>;
  /** The data folder's store; the caller closes it. */
  store(): Promise<Store>;
  /** Subscribes each address (or { email, name }) at NOW, resubscribing any who left. */
  addSubscribers(list: readonly (string | { email: string; name?: string })[]): Promise<void>;
  cleanup(): void;
}

/** A project in a temp folder: the example config (changed by `options.config`) and, by default, the example articles. */
export function makeProject(options: ProjectOptions = {}): Project {
  const dir = tempDir();
  const configFile = path.join(dir, 'broadsheet.config.yaml');
  const write = (rel: string, content: string | Uint8Array) => {
    const target = path.join(dir, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  };
  const read = (rel: string) => readFileSync(path.join(dir, rel), 'utf8');

  const config = exampleYaml((c) => {
    c.digest.templates = path.join(REPO, 'email-templates');
    if (options.templates) c.digest.templates = 'email-templates';
    options.config?.(c);
  });
  writeFileSync(configFile, stringify(config));
  const at = (p: string | undefined, fallback: string) => path.resolve(dir, p ?? fallback);
  const articles = at(config.content.dir, 'articles');
  mkdirSync(articles, { recursive: true });
  if (options.articles !== 'none') cpSync(path.join(REPO, 'articles'), articles, { recursive: true });
  if (options.templates) {
    cpSync(path.join(REPO, 'email-templates'), path.join(dir, 'email-templates'), { recursive: true });
    for (const [rel, content] of Object.entries(options.templates)) {
      const file = path.join('email-templates', rel);
      write(file, typeof content === 'string' ? content : content(read(file)));
    }
  }
  for (const [rel, content] of Object.entries(options.files ?? {})) write(rel, content);

  const project: Project = {
    dir,
    configFile,
    articles,
    output: at(config.output.dir, 'output'),
    data: at(config.data.dir, 'data'),
    write,
    read,
    article(slug, fields) {
      const target = path.join(articles, `${slug}.md`);
      mkdirSync(path.dirname(target), { recursive: true });
      const partial = path.join(path.dirname(target), `.${path.basename(target)}.partial`);
      writeFileSync(partial, articleText(fields));
      renameSync(partial, target);
    },
    configure(patch) {
      const data = parse(readFileSync(configFile, 'utf8')) as ConfigYaml;
      patch(data);
      writeFileSync(configFile, stringify(data));
    },
    loadConfig: (overrides) => loadConfig(configFile, overrides),
    site: async (clock = CLOCK) => loadSite(await loadConfig(configFile), clock),
    async problems(clock) {
      try {
        await project.site(clock);
      } catch (e) {
        if (isBroadsheetError(e)) return e.problems.map(showProblem);
        throw e;
      }
      throw new Error('expected content problems, and the content loaded');
    },
    // data.url in the config (a test on PostgreSQL) is the store the CLI opens too; a config a test made
    // invalid on purpose has none.
    store: async () => openStore(project.data, { url: (await project.loadConfig().catch(() => undefined))?.data.url }),
    async addSubscribers(list) {
      const store = await project.store();
      try {
        await store.addSubscribers(list.map((s) => (typeof s === 'string' ? { email: s } : s)), new Date(NOW), { resubscribe: true });
      } finally {
        await store.close();
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return project;
}

/** Every file under a folder with its bytes and mtime, to prove a failed run touched nothing. */
export function snapshotDir(dir: string): Map<string, { bytes: string; mtimeMs: number }> {
  const out = new Map<string, { bytes: string; mtimeMs: number }>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), { bytes: readFileSync(full).toString('base64'), mtimeMs: st.mtimeMs });
    }
  };
  walk(dir);
  return out;
}
