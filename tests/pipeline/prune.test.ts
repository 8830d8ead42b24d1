import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { build, checkBuild } from '../../src/pipeline/build.js';
import { CLOCK, makeProject, type Project } from '../helpers/project.js';

let project: Project;
beforeEach(() => {
  project = makeProject();
});

const ONLY_TAG = 'articles/2025-08-01-quantum.md';

describe('files a build no longer produces', () => {
  beforeEach(async () => {
    project.article('2025-08-01-quantum', { title: 'Quantum', description: 'D', date: '2025-08-01', tags: ['quantum'], body: 'Body.\n' });
    await build(await project.loadConfig(), CLOCK);
    writeFileSync(path.join(project.output, 'CNAME'), 'news.example.com\n');
    expect(existsSync(path.join(project.output, 'tags/quantum/rss.xml'))).toBe(true);
  });

  it('are removed by the next build, with their empty folder; files broadsheet did not write stay', async () => {
    rmSync(path.join(project.dir, ONLY_TAG));
    const report = await build(await project.loadConfig(), CLOCK);
    expect(report.removed.sort()).toEqual(['tags/quantum/atom.xml', 'tags/quantum/feed-links.html', 'tags/quantum/feed.json', 'tags/quantum/rss.xml']);
    expect(existsSync(path.join(project.output, 'tags/quantum'))).toBe(false);
    expect(readFileSync(path.join(project.output, 'CNAME'), 'utf8')).toBe('news.example.com\n');
    expect(readFileSync(path.join(project.output, '.broadsheet-files'), 'utf8')).not.toContain('quantum');
  });

  it('are named by --check as no longer produced', async () => {
    rmSync(path.join(project.dir, ONLY_TAG));
    const { stale } = await checkBuild(await project.loadConfig(), CLOCK);
    expect(stale).toEqual(expect.arrayContaining([{ path: 'tags/quantum/rss.xml', reason: 'no longer produced' }]));
    expect(stale.filter((s) => s.reason === 'no longer produced').every((s) => s.path.startsWith('tags/quantum/'))).toBe(true);
    // The feeds that listed the removed article are out of date as well.
    expect(stale).toEqual(expect.arrayContaining([{ path: 'rss.xml', reason: 'out of date' }]));
    expect(existsSync(path.join(project.output, 'tags/quantum/rss.xml'))).toBe(true);
  });
});
