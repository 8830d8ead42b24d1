import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { build } from '../../src/pipeline/build.js';
import { makeProject } from '../helpers/project.js';

const project = makeProject();

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

describe('determinism', () => {
  it('two builds at different times give byte-identical files', async () => {
    const a = path.join(project.dir, 'out-a');
    const b = path.join(project.dir, 'out-b');
    await build(await project.loadConfig({ outDir: a }), fixedClock('2026-01-01T00:00:00Z'));
    await build(await project.loadConfig({ outDir: b }), fixedClock('2030-06-15T12:34:56Z'));
    const files = listFiles(a);
    expect(files).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json', 'digest.html', 'digest.txt', 'digest.eml']));
    expect(listFiles(b)).toEqual(files);
    for (const f of files) expect(readFileSync(path.join(b, f)).equals(readFileSync(path.join(a, f))), f).toBe(true);
    // Nothing in any output carries the build's time.
    for (const f of files) expect(readFileSync(path.join(a, f), 'latin1'), f).not.toMatch(/2026-01-01|2030-06-15|Jan 2026|Jun 2030/);
  });

  it('a rebuild with nothing changed rewrites nothing', async () => {
    const out = path.join(project.dir, 'out-c');
    const config = await project.loadConfig({ outDir: out });
    const first = await build(config, fixedClock('2026-01-01T00:00:00Z'));
    const mtimes = new Map(listFiles(out).map((f) => [f, statSync(path.join(out, f)).mtimeMs]));
    const second = await build(config, fixedClock('2026-01-02T00:00:00Z'));
    expect(second.written).toEqual([]);
    expect(second.unchanged.sort()).toEqual([...first.written].sort());
    for (const [f, m] of mtimes) expect(statSync(path.join(out, f)).mtimeMs, f).toBe(m);
  });
});
