import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliBundleIsCurrent } from '../../src/launch.js';
import { codeFolderHash } from '../../src/util/cache.js';
import { CLI_BUNDLE, CLI_BUNDLE_MANIFEST, type CliBundleManifest } from '../../src/util/cli-bundle.js';
import { REPO, tempDir } from '../helpers/project.js';

// scripts/bundle.mjs makes dist/cli-bundle/ after tsc; `npm test` runs `npm run build:ts` first.
const DIST = path.join(REPO, 'dist');
const BUNDLE = path.join(DIST, CLI_BUNDLE);
const manifestOf = (dist: string) => JSON.parse(readFileSync(path.join(dist, CLI_BUNDLE, CLI_BUNDLE_MANIFEST), 'utf8')) as CliBundleManifest;
const distUrl = (dist: string) => pathToFileURL(`${dist}/`);

/** Sets a file's modification time, in seconds since the epoch. */
const age = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

/**
 * A copy of dist/ whose two copies of cli.js only say which one ran, every
 * module the bundle was made from older than its manifest: src/bin.ts's
 * choice, seen from outside as the tests change the times.
 */
function launcherCopy(): { dist: string; ran: () => string } {
  const root = tempDir();
  const dist = path.join(root, 'dist');
  // Not the dependencies' bundles: neither copy of cli.js loads them.
  const deps = path.join(DIST, 'bundled');
  cpSync(DIST, dist, { recursive: true, filter: (f) => f !== deps && !f.startsWith(deps + path.sep) });
  writeFileSync(path.join(dist, 'cli.js'), "console.log('compiled');\n");
  writeFileSync(path.join(dist, CLI_BUNDLE, 'cli.js'), "console.log('bundle');\n");
  const { inputs } = manifestOf(dist);
  for (const f of inputs) age(path.join(dist, f), 1_000_000);
  age(path.join(dist, CLI_BUNDLE, CLI_BUNDLE_MANIFEST), 2_000_000);
  return { dist, ran: () => execFileSync(process.execPath, [path.join(dist, 'bin.js')], { encoding: 'utf8' }).trim() };
}

describe('the launcher (src/bin.ts) and the bundle of broadsheet\'s modules', () => {
  it('is built, current, and holds the hash of its own code and the modules it was made from', () => {
    expect(cliBundleIsCurrent(distUrl(DIST))).toBe(true);
    const manifest = manifestOf(DIST);
    expect(manifest.codeHash).toBe(codeFolderHash(BUNDLE));
    const compiled = (readdirSync(DIST, { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/')).filter((f) => f.endsWith('.js') && !f.startsWith('bundled/') && !f.startsWith(`${CLI_BUNDLE}/`));
    expect(manifest.inputs.length).toBeGreaterThan(100);
    expect(compiled).toEqual(expect.arrayContaining(manifest.inputs));
    // Its entries: the CLI and every worker a module starts from its own folder.
    expect(manifest.inputs).toEqual(expect.arrayContaining(['cli.js', 'email/digest-worker.js', 'store/sqlite/store-worker.js']));
    for (const entry of ['cli.js', 'digest-worker.js', 'store-worker.js']) expect(readdirSync(BUNDLE)).toContain(entry);
    // The launcher itself is not in it: it chooses.
    expect(manifest.inputs).not.toContain('bin.js');
  });

  it('runs the bundle while no module it was made from is newer, the compiled modules otherwise', () => {
    const { dist, ran } = launcherCopy();
    expect(ran()).toBe('bundle');
    // As npm unpacks a package: every file with the same time.
    age(path.join(dist, CLI_BUNDLE, CLI_BUNDLE_MANIFEST), 1_000_000);
    expect(ran()).toBe('bundle');
    // tsc run again without bundling: one module newer than the bundle.
    age(path.join(dist, 'feeds', 'atom.js'), 1_000_001);
    expect(ran()).toBe('compiled');
    age(path.join(dist, 'feeds', 'atom.js'), 1_000_000);
    expect(ran()).toBe('bundle');
    // A module it was made from deleted.
    rmSync(path.join(dist, 'feeds', 'atom.js'));
    expect(ran()).toBe('compiled');
  });

  it('runs the compiled modules where there is no bundle, or its manifest is unreadable', () => {
    const { dist, ran } = launcherCopy();
    const manifest = path.join(dist, CLI_BUNDLE, CLI_BUNDLE_MANIFEST);
    writeFileSync(manifest, '{"codeHash": "x", "inputs": []}');
    age(manifest, 2_000_000);
    expect(ran()).toBe('compiled');
    writeFileSync(manifest, 'not JSON');
    age(manifest, 2_000_000);
    expect(ran()).toBe('compiled');
    rmSync(path.join(dist, CLI_BUNDLE), { recursive: true });
    expect(ran()).toBe('compiled');
  });

  it('finds files from one place only: every module that finds one from its own place sits one folder below src/, where the bundle\'s chunks sit below dist/', () => {
    const src = path.join(REPO, 'src');
    const text = (f: string) => readFileSync(path.join(src, f), 'utf8');
    // A worker beside its module is beside it in the bundle too (scripts/bundle.mjs makes each one an entry).
    const besideOnly = (f: string) =>
      text(f)
        .split('\n')
        .filter((l) => l.includes('import.meta.url'))
        .every((l) => /new URL\('\.\/[\w-]+\.js', import\.meta\.url\)|import\.meta\.url\.endsWith\('\.js'\)/.test(l));
    const users = (readdirSync(src, { recursive: true }) as string[])
      .map((f) => f.split(path.sep).join('/'))
      .filter((f) => f.endsWith('.ts') && text(f).includes('import.meta.url'))
      .sort();
    // bin.ts stays at the top of dist/ and finds the bundle by its own place; it is never bundled.
    expect(users.filter((f) => f.split('/').length !== 2 && !besideOnly(f))).toEqual(['bin.ts']);
    expect(users).toContain('store/sqlite/thread-store.ts');
    expect(users).toEqual(expect.arrayContaining(['util/version.ts', 'util/cache.ts', 'util/bundled.ts', 'email/templates-dir.ts', 'email/digest-thread.ts']));
  });
});
