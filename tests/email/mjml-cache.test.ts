import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mjmlCacheFor } from '../../src/email/mjml-cache.js';
import { tempDir } from '../helpers/project.js';

function root(withModules: boolean): string {
  const dir = tempDir();
  if (withModules) mkdirSync(path.join(dir, 'node_modules'));
  return dir;
}

describe('MJML cache', () => {
  it('keeps results under node_modules/.cache, keyed by the input and the options', async () => {
    const dir = root(true);
    const cache = mjmlCacheFor(dir, { validationLevel: 'strict' })!;
    expect(cache.get('<mjml>a</mjml>')).toBeUndefined();
    await cache.set('<mjml>a</mjml>', '<html>A</html>');
    expect(cache.get('<mjml>a</mjml>')).toBe('<html>A</html>');
    expect(cache.get('<mjml>b</mjml>')).toBeUndefined();
    expect(mjmlCacheFor(dir, { validationLevel: 'soft' })!.get('<mjml>a</mjml>')).toBeUndefined();
    const files = readdirSync(path.join(dir, 'node_modules/.cache/broadsheet/mjml'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.html$/);
  });

  it('is off for a project without node_modules', () => {
    expect(mjmlCacheFor(root(false), {})).toBeUndefined();
  });

  it('keeps at most 50 entries', async () => {
    const dir = root(true);
    const cache = mjmlCacheFor(dir, {})!;
    for (let i = 0; i < 53; i++) await cache.set(`<mjml>${i}</mjml>`, `${i}`);
    expect(readdirSync(path.join(dir, 'node_modules/.cache/broadsheet/mjml'))).toHaveLength(50);
  });

  it('treats an unreadable entry as a miss', async () => {
    const dir = root(true);
    const cache = mjmlCacheFor(dir, {})!;
    await cache.set('<mjml>x</mjml>', 'X');
    const [file] = readdirSync(path.join(dir, 'node_modules/.cache/broadsheet/mjml'));
    rmSync(path.join(dir, 'node_modules/.cache/broadsheet/mjml', file!));
    mkdirSync(path.join(dir, 'node_modules/.cache/broadsheet/mjml', file!));
    writeFileSync(path.join(dir, 'node_modules/.cache/broadsheet/mjml', file!, 'x'), '');
    expect(cache.get('<mjml>x</mjml>')).toBeUndefined();
  });
});
