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

  it('a template with parts MJML names at random (a carousel, a navbar with a hamburger menu) gives the same digest on every build', async () => {
    const random = makeProject({
      templates: {
        'partials/header.mjml': (header) =>
          '<mj-section><mj-column><mj-navbar hamburger="hamburger"><mj-navbar-link href="https://news.example.com/a">A</mj-navbar-link></mj-navbar>' +
          '<mj-carousel><mj-carousel-image src="https://news.example.com/1.jpg" /><mj-carousel-image src="https://news.example.com/2.jpg" /></mj-carousel></mj-column></mj-section>\n' +
          header,
      },
    });
    const digests = [];
    for (const out of ['out-1', 'out-2']) {
      const config = await random.loadConfig({ outDir: path.join(random.dir, out) });
      expect(config.paths.cache).toBeUndefined(); // each build renders with MJML
      await build(config, fixedClock('2026-01-01T00:00:00Z'));
      digests.push(readFileSync(path.join(random.dir, out, 'digest.html'), 'utf8'));
    }
    const ids = (html: string) => [...new Set(html.match(/mj-carousel-[0-9a-f]{16}|(?<=id=")[0-9a-f]{16}(?=")/g))];
    expect(ids(digests[0]!)).toHaveLength(2); // the carousel's and the hamburger's
    expect(digests[1]).toBe(digests[0]);
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
