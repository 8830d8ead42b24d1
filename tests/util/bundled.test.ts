import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledVersions, loadBundled } from '../../src/util/bundled.js';
import { cliEnv } from '../helpers/cli.js';
import { makeProject, REPO, tempDir } from '../helpers/project.js';

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
    expect(names()).toEqual(['feed', 'handlebars', 'js-yaml', 'markdown-it', 'markdown-it-footnote', 'mjml', 'node-cron', 'nodemailer', 'sanitize-html', 'zod']);
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

  it('one cut short is an INTERNAL error that names its file and says how to repair the install', () => {
    const dir = tempDir();
    const whole = readFileSync(path.join(DIST_BUNDLES, 'js-yaml.cjs'), 'utf8');
    writeFileSync(path.join(dir, 'js-yaml.cjs'), whole.slice(0, whole.length / 2));
    expect(() => loadBundled('js-yaml', dir)).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(new RegExp(`^${path.join(dir, 'js-yaml.cjs').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be loaded \\(.+\\): broadsheet's install is damaged; run npm run build:ts in a checkout, or reinstall broadsheet$`)) }),
    );
  });

  it('each record the packages it holds code of, with their versions: markdown-it and its dependencies, MJML without what it leaves out', () => {
    const version = (name: string) => (JSON.parse(readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    const markdownIt = bundledVersions('markdown-it', DIST_BUNDLES)!;
    expect(markdownIt.map((p) => p.slice(0, p.lastIndexOf('@')))).toEqual(['entities', 'linkify-it', 'markdown-it', 'mdurl', 'punycode.js', 'uc.micro']);
    expect(markdownIt).toContain(`markdown-it@${version('markdown-it')}`);
    const mjml = bundledVersions('mjml', DIST_BUNDLES)!;
    expect(mjml).toEqual(expect.arrayContaining([`mjml@${version('mjml')}`, `mjml-core@${version('mjml-core')}`, `juice@${version('juice')}`]));
    expect(mjml.filter((p) => /^(undici|js-beautify|htmlnano|cssnano|cosmiconfig)@/.test(p))).toEqual([]);
    expect(bundledVersions('markdown-it', tempDir())).toBeUndefined();
  });

  it("the build cache keys what a bundle computed by the bundle's versions: a bundle made from another markdown-it reads every article again", () => {
    // A copy of the build, so that editing its bundle's record touches no other test.
    const install = tempDir();
    cpSync(path.join(REPO, 'dist'), path.join(install, 'dist'), { recursive: true, preserveTimestamps: true });
    cpSync(path.join(REPO, 'email-templates'), path.join(install, 'email-templates'), { recursive: true });
    copyFileSync(path.join(REPO, 'package.json'), path.join(install, 'package.json'));
    symlinkSync(path.join(REPO, 'node_modules'), path.join(install, 'node_modules'));
    const project = makeProject({ config: (c) => void (c.cache = { dir: 'cache' }) });
    const build = () => execFileSync(process.execPath, [path.join(install, 'dist', 'bin.js'), 'build'], { cwd: project.dir, env: cliEnv(), encoding: 'utf8' });
    const packs = () => new Map(readdirSync(path.join(project.dir, 'cache')).filter((f) => f.startsWith('articles.')).map((f) => [f, statSync(path.join(project.dir, 'cache', f)).mtimeMs]));
    build();
    const filled = packs();
    expect(filled.size).toBeGreaterThan(0);
    build();
    expect(packs()).toEqual(filled); // nothing changed: no pack written
    const record = path.join(install, 'dist', 'bundled', 'markdown-it.versions.json');
    const versions = JSON.parse(readFileSync(record, 'utf8')) as string[];
    writeFileSync(record, JSON.stringify(versions.map((v) => (v.startsWith('markdown-it@') ? 'markdown-it@99.0.0' : v))));
    build();
    const after = packs();
    expect([...after].filter(([f, t]) => t !== filled.get(f)).length).toBe(after.size); // every article read and stored again
  });
});

