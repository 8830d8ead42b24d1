// npm's prepack and postpack steps (`node scripts/pack.mjs prepack|postpack`).
//
// prepack: a clean dist/ (no module left over from a deleted source file),
// compiled and bundled, its bin executable; and the lock file copied to npm-shrinkwrap.json, the one lock
// npm honours inside a published package. An installed broadsheet then runs
// on exactly the dependency tree this repository tests, overrides included
// (package.json `overrides` apply to this project only), so it renders the
// same digests and prints no EBADENGINE warning on Node 20.
// postpack: the shrinkwrap removed again, so that package-lock.json stays
// the repository's only lock file.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, rmSync } from 'node:fs';

const step = process.argv[2];
if (step === 'prepack') {
  rmSync('dist', { recursive: true, force: true });
  // npm puts node_modules/.bin on PATH for its scripts.
  execFileSync('tsc', ['-p', 'tsconfig.json'], { stdio: 'inherit' });
  // The slow-to-load dependencies as one file each, with V8's code cache, and broadsheet's own modules as
  // one bundle (scripts/bundle.mjs).
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  // The bin is executable in the tarball itself, whatever installs it.
  chmodSync('dist/bin.js', 0o755);
  chmodSync('dist/cli.js', 0o755);
  copyFileSync('package-lock.json', 'npm-shrinkwrap.json');
} else if (step === 'postpack') {
  rmSync('npm-shrinkwrap.json', { force: true });
} else {
  throw new Error(`usage: node scripts/pack.mjs prepack|postpack (not ${step})`);
}
