import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmEnv } from '../helpers/installed.js';
import { REPO } from '../helpers/project.js';

const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } };
const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: { node: string }; overrides: Record<string, string> };
const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; dev?: boolean; engines?: { node?: string } }> };

describe('Node', () => {
  it('npm ci on this Node prints no EBADENGINE warning (mjml\'s nopt, which wants Node 22, is overridden)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-engines-'));
    try {
      copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
      copyFileSync(path.join(REPO, 'package-lock.json'), path.join(dir, 'package-lock.json'));
      // npm checks every package's engines while it plans the install; --dry-run stops there.
      const r = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env: npmEnv(), encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toContain('EBADENGINE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(manifest.overrides).toEqual({ nopt: '9.0.0' });
    expect(lock.packages['node_modules/js-beautify/node_modules/nopt']?.version).toBe('9.0.0');
  }, 120_000);

  it('package.json promises the lowest Node every runtime dependency accepts, and this Node is one of them', () => {
    const lowest = semver.minVersion(manifest.engines.node).version;
    const refusing = Object.entries(lock.packages)
      .filter(([location, p]) => location !== '' && !p.dev && p.engines?.node !== undefined && !semver.satisfies(lowest, p.engines.node))
      .map(([location, p]) => `${location}@${p.version}: ${p.engines!.node}`);
    expect(refusing).toEqual([]);
    // And it is the lowest: one patch release earlier, some dependency refuses.
    const [major, minor, patch] = lowest.split('.').map(Number) as [number, number, number];
    const earlier = patch > 0 ? `${major}.${minor}.${patch - 1}` : `${major}.${minor - 1}.99`;
    expect(Object.values(lock.packages).some((p) => !p.dev && p.engines?.node !== undefined && !semver.satisfies(earlier, p.engines.node))).toBe(true);
    expect(semver.satisfies(process.versions.node, manifest.engines.node)).toBe(true);
  });

  it('.ci/run says which Node version it proves', () => {
    expect(readFileSync(path.join(REPO, '.ci/run'), 'utf8')).toContain('\nnode scripts/node-versions.mjs\n');
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/node-versions.mjs')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`node: this run proves Node ${process.version}; package.json promises ${manifest.engines.node}\n`);
  });
});
