import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutputs, type OutputFile } from '../../src/output/files.js';
import { tempDir } from '../helpers/project.js';

const root = tempDir();

/** Files only: folders made for a failed batch may stay, as they always have. */
const listAll = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile()).sort();
const files = (n: number, text: (i: number) => string): OutputFile[] =>
  Array.from({ length: n }, (_, i) => ({ path: `${i % 3 === 0 ? 'tags/t' + (i % 4) + '/' : ''}f${String(i).padStart(2, '0')}.txt`, content: text(i) }));

describe('writeOutputs', () => {
  it('writes many files in many folders, reports them in the given order, and rewrites only what changed', async () => {
    const dir = path.join(root, 'out');
    const first = files(30, (i) => `file ${i}\n`);
    const report = await writeOutputs(dir, first);
    expect(report.written).toEqual(first.map((f) => f.path));
    expect(report.unchanged).toEqual([]);
    for (const f of first) expect(readFileSync(path.join(dir, f.path), 'utf8')).toBe(f.content);

    // Old mtimes make a rewrite visible; one change keeps the size, one changes it.
    const old = new Date('2020-01-01T00:00:00Z');
    for (const f of first) utimesSync(path.join(dir, f.path), old, old);
    const second = files(30, (i) => (i === 4 ? 'file X\n' : i === 7 ? 'file 7, longer\n' : `file ${i}\n`));
    const again = await writeOutputs(dir, second);
    expect(again.written).toEqual(['f04.txt', 'f07.txt']);
    expect(again.unchanged).toHaveLength(28);
    expect(readFileSync(path.join(dir, 'f04.txt'), 'utf8')).toBe('file X\n');
    expect(statSync(path.join(dir, 'f05.txt')).mtime.getTime()).toBe(old.getTime());
    expect(listAll(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('on a failure renames nothing into place and leaves no temporary files', async () => {
    const dir = path.join(root, 'fail');
    await writeOutputs(dir, [{ path: 'a.txt', content: 'old a\n' }, { path: 'blocker', content: 'a file, not a folder\n' }]);
    const before = listAll(dir);
    const batch: OutputFile[] = [
      { path: 'a.txt', content: 'new a\n' },
      ...files(20, (i) => `file ${i}\n`),
      { path: 'blocker/inside.txt', content: 'cannot be written\n' },
    ];
    await expect(writeOutputs(dir, batch)).rejects.toMatchObject({ code: 'OUTPUT_FAILED' });
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('old a\n');
    expect(listAll(dir)).toEqual(before);
  });

  it('refuses a path outside the output folder before writing anything', async () => {
    const dir = path.join(root, 'outside');
    writeFileSync(path.join(root, 'sentinel'), 'x');
    await expect(writeOutputs(dir, [{ path: 'ok.txt', content: 'x' }, { path: '../escape.txt', content: 'x' }])).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(readdirSync(root)).not.toContain('escape.txt');
  });
});
