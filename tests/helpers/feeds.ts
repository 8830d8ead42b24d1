import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { RelaxNGValidator, XmlDocument } from 'libxml2-wasm';
import type { Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import type { OutputFile } from '../../src/output/files.js';
import { expect } from 'vitest';
import { exampleSite, PNG, REPO, tempDir, type ConfigPatch, type Project } from './project.js';
import { DEBIAN_PYTHON, tool } from './tools.js';

/** Checks shared by the feed tests: real parsers and validators, never string matching alone. */

export const SCHEMAS = path.join(REPO, 'tests/fixtures/schemas');

/** The example site and every file the feeds stage renders for it. */
export async function exampleFeeds(): Promise<{ site: Site; files: OutputFile[] }> {
  const site = await exampleSite();
  return { site, files: renderFeeds(site) };
}

export function fileText(files: readonly OutputFile[], p: string): string {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`no output file ${p}; have ${files.map((x) => x.path).join(', ')}`);
  return typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8');
}

/** Where the feed tests' site lives: below a path, so that resolving a relative link has a way to go wrong. */
export const BASE = 'https://test.example.org/news/';

/** The example config with the site at BASE and articles at `{slug}/`. */
export const AT_BASE: ConfigPatch = (c) => {
  c.site.url = BASE;
  c.content.permalink = '{slug}/';
};

export const REMOTE_IMAGE = 'https://cdn.example.net/p/pic.webp?size=large&v=2';

/**
 * Articles with a local image (PNG bytes behind a .jpg name), a remote one,
 * and none; one has two authors and an update after its publication date.
 */
export function writeMediaArticles(project: Project): void {
  project.write('articles/images/photo.jpg', PNG);
  project.article('local', {
    title: 'Local',
    description: 'Has a local image',
    date: '2025-08-03',
    tags: ['photos', 'Local News'],
    image: { src: 'images/photo.jpg', alt: 'Two by two "pixels" & more' },
    frontMatter: 'updated: 2025-08-05T12:00:00Z\nauthor: [Ann Lee, Bo Chan]',
    body: 'Local body with a [link](../plain/).\n',
  });
  project.article('remote', { title: 'Remote', description: 'Has a remote image', date: '2025-08-02', tags: ['photos'], image: { src: REMOTE_IMAGE, alt: 'Remote', type: 'image/webp' }, body: 'Remote body.\n' });
  project.article('plain', { title: 'Plain', description: 'No image', date: '2025-08-01', body: 'Plain body.\n' });
}

// ---- XML ----------------------------------------------------------------

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  media: 'http://search.yahoo.com/mrss/',
  fh: 'http://purl.org/syndication/history/1.0',
  sy: 'http://purl.org/rss/1.0/modules/syndication/',
};

/** Parses with libxml2 (WebAssembly): throws on anything not well-formed. */
export function withXml<T>(text: string, fn: (doc: XmlDocument) => T): T {
  const doc = XmlDocument.fromString(text);
  try {
    return fn(doc);
  } finally {
    doc.dispose();
  }
}

export function xpathString(text: string, xpath: string): string {
  return withXml(text, (doc) => String(doc.eval(`string(${xpath})`, NS)));
}

export function xpathStrings(text: string, xpath: string): string[] {
  return withXml(text, (doc) => doc.find(xpath, NS).map((n) => n.content));
}

export function xpathCount(text: string, xpath: string): number {
  return withXml(text, (doc) => Number(doc.eval(`count(${xpath})`, NS)));
}

let atomRng: RelaxNGValidator | undefined;

/** RELAX NG validation against RFC 4287's schema, in WebAssembly; [] when valid. */
export async function atomRelaxNgErrors(text: string): Promise<string[]> {
  if (!atomRng) {
    const schema = XmlDocument.fromString(await readFile(path.join(SCHEMAS, 'atom.rng'), 'utf8'));
    atomRng = RelaxNGValidator.fromDoc(schema);
  }
  const validator = atomRng;
  return withXml(text, (doc) => {
    try {
      validator.validate(doc);
      return [];
    } catch (e) {
      return [String((e as Error).message)];
    }
  });
}

/** The three rules of atom-rules.sch, evaluated with XPath (libxml2-wasm has no Schematron). */
export function atomSchematronErrors(text: string): string[] {
  return withXml(text, (doc) => {
    const errors: string[] = [];
    if (!doc.eval('boolean(/atom:feed/atom:author or not(/atom:feed/atom:entry[not(atom:author)]))', NS)) errors.push('feed-author');
    if (doc.eval("count(//atom:entry[not(atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content)])", NS) !== 0) errors.push('entry-link');
    if (doc.eval('count(//atom:entry[not(atom:author or ../atom:author or atom:source/atom:author)])', NS) !== 0) errors.push('entry-author');
    return errors;
  });
}

/** Writes the texts to temp files and runs xmllint on them; undefined when xmllint is missing. */
export async function xmllint(args: string[], texts: Record<string, string>): Promise<{ status: number | null; stderr: string } | undefined> {
  if (!tool('xmllint')) return undefined;
  const dir = tempDir();
  try {
    const files: string[] = [];
    for (const [name, text] of Object.entries(texts)) {
      const f = path.join(dir, name.replaceAll('/', '_'));
      await writeFile(f, text);
      files.push(f);
    }
    const r = spawnSync('xmllint', [...args, ...files], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- feedparser -----------------------------------------------------------

export interface FeedparserEntry {
  id: string | null;
  title: string | null;
  title_type: string | null;
  /** xml:lang in force on the entry's title. */
  language: string | null;
  link: string | null;
  published: string | null;
  updated: string | null;
  authors: string[];
  tags: string[];
  content: string[];
  summary: string | null;
  enclosures: { href: string; type: string | null; length: string | null }[];
  media_content: Record<string, string>[];
  image: string | null;
}

export interface FeedparserResult {
  file: string;
  bozo: number;
  bozo_exception: string;
  version: string;
  title: string | null;
  link: string | null;
  language: string | null;
  updated: string | null;
  links: { rel: string; href: string }[];
  entries: FeedparserEntry[];
}

/** Debian's python3-feedparser on each text; undefined when it is missing (tool() decides skip or fail). */
export async function feedparser(texts: Record<string, string>): Promise<Record<string, FeedparserResult> | undefined> {
  if (!tool('feedparser')) return undefined;
  const dir = tempDir();
  try {
    const names = Object.keys(texts);
    const files = names.map((n, i) => path.join(dir, `${i}-${path.basename(n)}`));
    await Promise.all(files.map((f, i) => writeFile(f, texts[names[i]!]!)));
    const r = spawnSync(DEBIAN_PYTHON, [path.join(REPO, 'tests/helpers/feedparser_dump.py'), ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`feedparser failed: ${r.stderr}`);
    const results = JSON.parse(r.stdout) as FeedparserResult[];
    return Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- JSON Feed ------------------------------------------------------------

let jsonFeedValidate: ((data: unknown) => boolean) & { errors?: unknown } | undefined;

/** Validation against the published JSON Feed 1.1 JSON Schema (ajv); [] when valid. */
export async function jsonFeedErrors(text: string): Promise<string[]> {
  if (!jsonFeedValidate) {
    const schema = JSON.parse(await readFile(path.join(SCHEMAS, 'jsonfeed-1.1.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const addFormats = addFormatsModule as unknown as (a: Ajv) => void;
    addFormats(ajv);
    jsonFeedValidate = ajv.compile(schema);
  }
  const data = JSON.parse(text) as { version?: unknown };
  const errors: string[] = [];
  if (!jsonFeedValidate(data)) errors.push(JSON.stringify(jsonFeedValidate.errors));
  if (data.version !== 'https://jsonfeed.org/version/1.1') errors.push(`version is ${String(data.version)}`);
  return errors;
}

// ---- all of it ------------------------------------------------------------

/**
 * The three feeds of one render are valid: well-formed RSS, Atom against
 * RFC 4287's RELAX NG schema and its rules, JSON Feed against its schema,
 * xmllint, and Debian's feedparser without a complaint. Returns feedparser's
 * reading (undefined when it is missing) for checks of their own.
 */
export async function expectValidFeeds(f: { rss: string; atom: string; json: string }): Promise<Record<string, FeedparserResult> | undefined> {
  expect(() => withXml(f.rss, () => true)).not.toThrow();
  expect(await atomRelaxNgErrors(f.atom)).toEqual([]);
  expect(atomSchematronErrors(f.atom)).toEqual([]);
  expect(await jsonFeedErrors(f.json)).toEqual([]);
  const lint = await xmllint(['--noout'], { 'rss.xml': f.rss, 'atom.xml': f.atom });
  if (lint) expect(lint).toEqual({ status: 0, stderr: '' });
  const rng = await xmllint(['--noout', '--relaxng', path.join(SCHEMAS, 'atom.rng')], { 'atom.xml': f.atom });
  if (rng) expect(rng.status, rng.stderr).toBe(0);
  const parsed = await feedparser({ 'rss.xml': f.rss, 'atom.xml': f.atom });
  if (parsed) for (const p of Object.values(parsed)) expect(p.bozo, p.bozo_exception).toBe(0);
  return parsed;
}
