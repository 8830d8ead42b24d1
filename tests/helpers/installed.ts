import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO, tempDir } from './project.js';

/** What `npm pack` ships: the sources a prepack needs to build from, copied so the repository's own dist/ is never rebuilt under running tests. */
const PACKAGE_SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'src', 'email-templates', 'docs', 'scripts'];

const version = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;

export interface Installed {
  /** The temp folder (removed after the test file): the packed package's sources, the tarball and the site. */
  root: string;
  tarball: string;
  /** Paths inside the tarball, `package/` removed. */
  packed: string[];
  /** The blog that installed broadsheet: package.json, node_modules/, and nothing else yet. */
  site: string;
  /** node_modules/broadsheet in the site. */
  installed: string;
  /** stderr and stdout of the install. */
  installLog: string;
  /** Runs `npx broadsheet …` in `cwd` (the site by default). */
  npx(args: string[], options?: { cwd?: string; env?: Record<string, string> }): SpawnSyncReturns<string>;
  cleanup(): void;
}

/**
 * The environment for npm in another folder: without the `npm_*` variables
 * that `npm test` sets (npm_config_local_prefix and the like), which would
 * point the child npm back at this repository.
 */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env: npmEnv(), encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Packs broadsheet as `npm publish` would (its prepack builds dist/ and adds
 * the shrinkwrap) and installs the tarball into a new folder outside the
 * repository, from the local npm cache (`--prefer-offline`: the registry only
 * for what the cache lacks).
 *
 * Install scripts are skipped, and better-sqlite3's native addon is taken from
 * this checkout, which compiled the same version for the same Node: compiling
 * it takes minutes, and its prebuilt binaries come from GitHub, not the
 * registry. The caller checks that no other package wanted a script.
 */
export function packAndInstall(): Installed {
  const root = tempDir();
  const pkg = path.join(root, 'package');
  mkdirSync(pkg);
  for (const entry of PACKAGE_SOURCES) cpSync(path.join(REPO, entry), path.join(pkg, entry), { recursive: true });
  // The dev dependencies (tsc) the prepack needs, without installing them again.
  symlinkSync(path.join(REPO, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  const { stdout } = run('npm', ['pack', '--json', '--pack-destination', root], pkg);
  // The prepack's banner comes first on stdout, then the JSON report.
  const report = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as { filename: string; files: { path: string }[] }[];
  const tarball = path.join(root, report[0]!.filename);
  const packed = report[0]!.files.map((f) => f.path).sort();

  // npm installs a registry package that ships a shrinkwrap with exactly the
  // tree the shrinkwrap describes, nested under the package (npm-shrinkwrap.json
  // docs; arborist's `hasShrinkwrap`). It honours a shrinkwrap only for
  // packages from a registry: `npm install <tarball>` would resolve the
  // dependencies afresh from their version ranges, and not install what users
  // get. So the tarball is unpacked where npm puts it, its own tree installed
  // from its shrinkwrap by `npm ci`, and its bin linked as npm links it.
  const site = path.join(root, 'my-site');
  const installed = path.join(site, 'node_modules', 'broadsheet');
  mkdirSync(installed, { recursive: true });
  // As the README tells a blogger to write it: broadsheet, and its native module's install script allowed.
  writeFileSync(
    path.join(site, 'package.json'),
    JSON.stringify({ name: 'my-site', private: true, dependencies: { broadsheet: `^${version(pkg)}` }, allowScripts: { 'better-sqlite3': true } }, null, 2),
  );
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  const install = run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], installed);
  const installLog = `${install.stdout}${install.stderr}`;
  const bin = (JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  mkdirSync(path.join(site, 'node_modules', '.bin'));
  for (const [name, target] of Object.entries(bin)) symlinkSync(path.join('..', 'broadsheet', target), path.join(site, 'node_modules', '.bin', name));

  const addon = path.join('build', 'Release', 'better_sqlite3.node');
  const ours = path.dirname(createRequire(path.join(REPO, 'package.json')).resolve('better-sqlite3/package.json'));
  const theirs = path.join(installed, 'node_modules', 'better-sqlite3');
  if (version(ours) !== version(theirs)) throw new Error(`better-sqlite3 ${version(theirs)} installed, ${version(ours)} built here: the addon cannot be reused`);
  mkdirSync(path.join(theirs, 'build', 'Release'), { recursive: true });
  copyFileSync(path.join(ours, addon), path.join(theirs, addon));
  chmodSync(path.join(theirs, addon), statSync(path.join(ours, addon)).mode);

  return {
    root,
    tarball,
    packed,
    site,
    installed,
    installLog,
    npx: (args, options = {}) =>
      spawnSync('npx', ['broadsheet', ...args], { cwd: options.cwd ?? site, env: npmEnv(options.env), encoding: 'utf8', timeout: 120_000 }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
