import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCommand } from '../../src/commands/build.js';
import { BroadsheetError } from '../../src/errors.js';
import { commandContext as context } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

async function checkFails(configFile: string, outDir?: string): Promise<BroadsheetError> {
  try {
    await buildCommand.run(context(configFile, [], { check: true }, outDir));
  } catch (e) {
    if (e instanceof BroadsheetError) return e;
    throw e;
  }
  throw new Error('build --check passed');
}

describe('broadsheet build --check', () => {
  let project: Project;
  let dir: string;
  let configFile: string;
  // As the command shows it: relative below the working folder, absolute elsewhere.
  const shown = (dir: string) => {
    const rel = path.relative(process.cwd(), dir);
    return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  };

  beforeAll(async () => {
    project = makeProject();
    dir = project.dir;
    configFile = project.configFile;
    expect(await buildCommand.run(context(configFile, [], {}))).toBe(0);
  });

  it('passes on a freshly built tree, and writes nothing', async () => {
    const before = await readFile(path.join(dir, 'output/rss.xml'));
    const out: string[] = [];
    expect(await buildCommand.run(context(configFile, out, { check: true }))).toBe(0);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(new RegExp(`^${shown(path.join(dir, 'output')).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is up to date \\(\\d+ files checked\\)$`));
    expect(Buffer.compare(await readFile(path.join(dir, 'output/rss.xml')), before)).toBe(0);
  });

  it('fails after an article is edited, naming exactly the stale files, and writes nothing', async () => {
    const file = path.join(dir, 'articles/2025-08-22-data-crunch-in-ai.md');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('The Data Crunch In AI', 'The Data Crunch In AI, revisited'));
    const before = await readFile(path.join(dir, 'output/rss.xml'));
    const err = await checkFails(configFile);
    expect(err.code).toBe('OUTPUT_STALE');
    expect(err.exitCode).toBe(1);
    const out = shown(path.join(dir, 'output'));
    // The digest (another stage) may name its own files too; the feeds that changed are exactly these.
    const feeds = err.problems.map((p) => p.file).filter((f) => !f.startsWith(`${out}/digest`));
    expect(feeds.sort()).toEqual(
      ['rss.xml', 'atom.xml', 'feed.json', ...['ai', 'data'].flatMap((t) => ['rss.xml', 'atom.xml', 'feed.json'].map((f) => `tags/${t}/${f}`))]
        .map((f) => `${out}/${f}`)
        .sort(),
    );
    expect(err.problems.every((p) => p.message === 'out of date')).toBe(true);
    expect(err.describe()).toContain(`${out}/tags/data/atom.xml: out of date`);
    expect(Buffer.compare(await readFile(path.join(dir, 'output/rss.xml')), before)).toBe(0);
    await writeFile(file, original);
  });

  it('checks a given directory instead of output/', async () => {
    const other = path.join(dir, 'public');
    expect((await checkFails(configFile, other)).problems.some((p) => p.file.endsWith('public/rss.xml'))).toBe(true);
    expect(await buildCommand.run(context(configFile, [], {}, other))).toBe(0);
    expect(await buildCommand.run(context(configFile, [], { check: true }, other))).toBe(0);
  });
});
