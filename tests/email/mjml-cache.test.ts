import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MJML_CACHE_KEEP, mjmlCacheFor } from '../../src/email/mjml-cache.js';
import { CachePack } from '../../src/util/cache.js';
import { tempDir } from '../helpers/project.js';

describe('MJML cache', () => {
  it('keeps results in the build cache, keyed by the input and the options', async () => {
    const dir = tempDir();
    const cache = mjmlCacheFor(dir, { validationLevel: 'strict' })!;
    expect(cache.get('<mjml>a</mjml>')).toBeUndefined();
    await cache.set('<mjml>a</mjml>', '<html>A</html>');
    expect(cache.get('<mjml>a</mjml>')).toBe('<html>A</html>');
    expect(cache.get('<mjml>b</mjml>')).toBeUndefined();
    expect(mjmlCacheFor(dir, { validationLevel: 'soft' })!.get('<mjml>a</mjml>')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['mjml.pack']);
    expect(cache.notices).toEqual([]);
  });

  it('is off without a cache folder', () => {
    expect(mjmlCacheFor(undefined, {})).toBeUndefined();
  });

  it(`keeps the ${MJML_CACHE_KEEP} most recently used`, async () => {
    const dir = tempDir();
    const cache = mjmlCacheFor(dir, {})!;
    for (let i = 0; i < MJML_CACHE_KEEP + 3; i++) await cache.set(`<mjml>${i}</mjml>`, `${i}`);
    expect(CachePack.open(dir, 'mjml', { keep: MJML_CACHE_KEEP })!.size).toBe(MJML_CACHE_KEEP);
    expect(cache.get('<mjml>0</mjml>')).toBeUndefined();
    expect(cache.get(`<mjml>${MJML_CACHE_KEEP + 2}</mjml>`)).toBe(`${MJML_CACHE_KEEP + 2}`);
  });

  it('treats a damaged record as a miss, with a notice, and stores it again', async () => {
    const dir = tempDir();
    const cache = mjmlCacheFor(dir, {}, dir)!;
    await cache.set('<mjml>x</mjml>', 'XXXXXXXX');
    const file = path.join(dir, 'mjml.pack');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const whole = readFileSync(file);
    whole[whole.indexOf('XXXXXXXX')] = 'Y'.charCodeAt(0);
    writeFileSync(file, whole);
    const again = mjmlCacheFor(dir, {}, dir)!;
    expect(again.get('<mjml>x</mjml>')).toBeUndefined();
    expect(again.notices.map((n) => `${n.file}: ${n.message}`)).toEqual(['mjml.pack: is damaged (a record does not match its checksum): ignored, and written again by this build']);
    await again.set('<mjml>x</mjml>', 'XXXXXXXX');
    expect(mjmlCacheFor(dir, {})!.get('<mjml>x</mjml>')).toBe('XXXXXXXX');
  });
});
