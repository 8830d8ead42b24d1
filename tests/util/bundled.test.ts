import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundled } from '../../src/util/bundled.js';
import { REPO, tempDir } from '../helpers/project.js';

// scripts/bundle.mjs writes them; `npm test` runs `npm run build:ts` first.
const DIST_BUNDLES = path.join(REPO, 'dist', 'bundled');
const requireFromRepo = createRequire(path.join(REPO, 'package.json'));
const names = () =>
  readdirSync(DIST_BUNDLES)
    .filter((f) => f.endsWith('.cjs'))
    .map((f) => f.slice(0, -'.cjs'.length))
    .sort();

describe('bundled dependencies (util/bundled.ts)', () => {
  it('are built for the packages broadsheet loads through requireBundled', () => {
    expect(names()).toEqual(['feed', 'handlebars', 'js-yaml', 'markdown-it', 'markdown-it-footnote', 'mjml', 'nodemailer', 'sanitize-html', 'zod']);
  });

  it('each load with the code cache made for this Node, and export what the package exports', () => {
    for (const name of names()) {
      const bundled = loadBundled<Record<string, unknown>>(name, DIST_BUNDLES)!;
      expect(bundled.cacheAccepted, name).toBe(true);
      const pkg = requireFromRepo(name) as Record<string, unknown>;
      expect(typeof bundled.exports, name).toBe(typeof pkg);
      expect(Object.keys(bundled.exports).sort(), name).toEqual(Object.keys(pkg).sort());
    }
  });

  it('is undefined where there is no bundle, so that the caller loads the package', () => {
    expect(loadBundled('js-yaml', tempDir())).toBeUndefined();
  });

  it('still loads, without its cache, when the code cache is damaged or from another V8', () => {
    const dir = tempDir();
    copyFileSync(path.join(DIST_BUNDLES, 'js-yaml.cjs'), path.join(dir, 'js-yaml.cjs'));
    writeFileSync(path.join(dir, 'js-yaml.cjs.v8'), Buffer.from('not a code cache'));
    const damaged = loadBundled<typeof import('js-yaml')>('js-yaml', dir)!;
    expect(damaged.cacheAccepted).toBe(false);
    expect(damaged.exports.load('a: [1, 2]')).toEqual({ a: [1, 2] });
  });
});
