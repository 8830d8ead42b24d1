import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../helpers/child.js';
import { http } from '../helpers/http.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';

/*
 * issue 9, defect 8: a blue/green deploy swaps the output folder's symbolic
 * link (`ln -s build-2 output.next && mv -T output.next output`); `serve`
 * must serve the new build at once, and /healthz must say what is true.
 */

let project: Project;
let serve: Awaited<ReturnType<typeof startServe>>;
let base: string;

function build(name: string, marker: string): void {
  const dir = path.join(project.dir, name);
  mkdirSync(path.join(dir, 'tags'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), `<!doctype html><title>${marker}</title>\n`);
  writeFileSync(path.join(dir, 'tags', 'note.txt'), `${marker}\n`);
}

/** What `mv -T` does: rename(2) a new link over the old one, atomically. */
async function pointOutputAt(target: string): Promise<void> {
  const next = path.join(project.dir, 'output.next');
  symlinkSync(target, next);
  await rename(next, path.join(project.dir, 'output'));
}

beforeAll(async () => {
  project = makeProject({ articles: 'none' });
  build('build-1', 'blue');
  build('build-2', 'green');
  symlinkSync('build-1', path.join(project.dir, 'output'));
  serve = await startServe(project.dir, { BROADSHEET_SECRET: SECRET });
  base = serve.base;
});

afterAll(async () => {
  await serve.stop();
  project.cleanup();
});

describe('an output folder that is a symbolic link', () => {
  it('serves the new build as soon as the link is swapped, also after the old build is deleted', async () => {
    expect((await http(base, '/tags/note.txt')).text).toBe('blue\n');
    await pointOutputAt('build-2');
    const swapped = await http(base, '/tags/note.txt');
    expect(swapped.status).toBe(200);
    expect(swapped.text).toBe('green\n');
    expect((await http(base, '/')).text).toContain('<title>green</title>');
    rmSync(path.join(project.dir, 'build-1'), { recursive: true });
    expect((await http(base, '/tags/note.txt')).text).toBe('green\n');
    const health = await http(base, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
  });

  it('/healthz says unavailable while the link leads nowhere, and ok again once it does', async () => {
    await pointOutputAt('build-3');
    const down = await http(base, '/healthz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toEqual({ status: 'unavailable', reason: 'the output folder does not exist; run broadsheet build' });
    expect((await http(base, '/tags/note.txt')).status).toBe(404);

    build('build-3', 'next');
    const up = await http(base, '/healthz');
    expect(up.status).toBe(200);
    expect((await http(base, '/tags/note.txt')).text).toBe('next\n');
  });
});
