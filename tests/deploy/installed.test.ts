import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { validate as validCron } from 'node-cron';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHUTDOWN_GRACE_MS } from '../../src/schedule/scheduled-job.js';
import { http } from '../helpers/http.js';
import { npmEnv, packAndInstall, type Installed } from '../helpers/installed.js';
import { REPO, SECRET } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';
import { freePort, startStaticHost, type StaticHost } from '../helpers/static-host.js';
import { hasDockerEngine, hasSystemdAnalyze, optionalTool, tool } from '../helpers/tools.js';

/**
 * broadsheet as a blogger gets it: packed as `npm publish` packs it, installed
 * into a folder outside this repository, and run there through `npx`, by the
 * example CI workflows, the Docker image's command, the systemd unit and the
 * crontab line in examples/.
 */
let installed: Installed;
let smtp: Smtp;

beforeAll(() => {
  installed = packAndInstall();
}, 300_000);

afterAll(async () => {
  await smtp?.close();
  installed?.cleanup();
}, 120_000);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command, without blocking this thread (the SMTP server and the static host live on it). */
function exec(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: npmEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const GIT_ENV = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.org' };
const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

describe('the package', () => {
  it('is packed with its build, the shipped templates and its shrinkwrap, and nothing of the repository', () => {
    expect(installed.packed).toContain('dist/bin.js');
    expect(installed.packed).toContain('dist/cli.js');
    expect(installed.packed).toContain('npm-shrinkwrap.json');
    expect(installed.packed.filter((p) => p.startsWith('email-templates/'))).toEqual([
      'email-templates/confirm.mjml',
      'email-templates/confirm.txt.hbs',
      'email-templates/digest.mjml',
      'email-templates/digest.txt.hbs',
      'email-templates/partials/card.mjml',
      'email-templates/partials/footer.mjml',
      'email-templates/partials/header.mjml',
    ]);
    expect(installed.packed.filter((p) => !/^(dist\/.*\.js|dist\/bundled\/[a-z-]+(\.cjs|\.cjs\.v8|\.versions\.json)|dist\/cli-bundle\/manifest\.json|docs\/[a-z-]+\.md|email-templates\/.*|README\.md|package\.json|npm-shrinkwrap\.json)$/.test(p))).toEqual([]);
    // Each bundle (scripts/bundle.mjs) with its code cache and the versions it was made of.
    expect(installed.packed.filter((p) => p.startsWith('dist/bundled/')).sort()).toEqual(
      ['feed', 'handlebars', 'js-yaml', 'markdown-it', 'markdown-it-footnote', 'mjml', 'node-cron', 'nodemailer', 'sanitize-html', 'zod'].flatMap((n) => [`dist/bundled/${n}.cjs`, `dist/bundled/${n}.cjs.v8`, `dist/bundled/${n}.versions.json`]).sort(),
    );
    const files = (p: string) => readdirSync(path.join(REPO, p), { recursive: true }).filter((f) => String(f).endsWith('.ts')).length;
    expect(installed.packed.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/cli-bundle/') && p.endsWith('.js'))).toHaveLength(files('src'));
    // The bundle of broadsheet's modules, whole: its manifest and every file of it (src/bin.ts runs it).
    const bundle = installed.packed.filter((p) => p.startsWith('dist/cli-bundle/'));
    expect(bundle).toEqual(expect.arrayContaining(['dist/cli-bundle/manifest.json', 'dist/cli-bundle/cli.js', 'dist/cli-bundle/digest-worker.js', 'dist/cli-bundle/store-worker.js']));
    expect(bundle.filter((p) => !/^dist\/cli-bundle\/([\w-]+-[\w-]{8}\.js|cli\.js|digest-worker\.js|store-worker\.js|manifest\.json)$/.test(p))).toEqual([]);

    const manifest = JSON.parse(readFileSync(path.join(installed.installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ broadsheet: 'dist/bin.js' });
    // The shrinkwrap is the lock file, overrides and all; the postpack leaves none behind.
    expect(readFileSync(path.join(installed.installed, 'npm-shrinkwrap.json'), 'utf8')).toBe(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8'));
    expect(existsSync(path.join(installed.root, 'package', 'npm-shrinkwrap.json'))).toBe(false);
    expect(statSync(path.join(installed.installed, 'dist/bin.js')).mode & 0o111).toBe(0o111);
  });

  it('runs from the bundle of its modules once installed (npm unpacks every file with one time)', async () => {
    const { cliBundleIsCurrent } = (await import(pathToFileURL(path.join(installed.installed, 'dist/launch.js')).href)) as typeof import('../../src/launch.js');
    expect(cliBundleIsCurrent(pathToFileURL(path.join(installed.installed, 'dist/')))).toBe(true);
  });

  it('installs on this Node without an EBADENGINE warning, and wants no install script but better-sqlite3\'s', () => {
    expect(installed.installLog).not.toContain('EBADENGINE');
    expect(installed.installLog).toMatch(/added \d+ packages/);
    const lock = JSON.parse(readFileSync(path.join(installed.installed, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
    const scripted = Object.entries(lock.packages).filter(([k, v]) => k !== '' && !v.dev && v.hasInstallScript).map(([k]) => k);
    expect(scripted).toEqual(['node_modules/better-sqlite3']);
  });

  it('runs from the site: init, build and send --dry-run through npx', () => {
    const { site } = installed;
    const npx = (args: string[], env: Record<string, string> = {}) => {
      const r = installed.npx(args, { env });
      // Log lines (send's "dry run: messages written") are fine; npm's or broadsheet's warnings are not.
      expect(r.stderr, `npx broadsheet ${args.join(' ')}`).not.toMatch(/^(npm )?(warn|error)/im);
      expect(r.status).toBe(0);
      return r.stdout;
    };
    expect(npx(['--version'])).toBe('broadsheet 0.1.0\n');
    expect(npx(['init', '--title', 'My Blog', '--url', 'https://blog.example.org/'])).toContain('created broadsheet.config.yaml\ncreated articles/welcome.md\n');
    expect(npx(['build'])).toContain('  digest    shows issue 1, the next one broadsheet send will create\n');
    expect(readFileSync(path.join(site, 'output/rss.xml'), 'utf8')).toContain('<link>https://blog.example.org/welcome/</link>');
    expect(npx(['subscribers', 'add', 'reader@example.org'])).toBe('subscribed reader@example.org\n');
    expect(npx(['send', '--dry-run'], { BROADSHEET_SECRET: SECRET })).toBe(
      `issue 1: messages written to ${path.join(site, 'output', 'outbox')}; nothing was sent\nnot mailed: 0 pending confirmation, 0 unsubscribed, 0 bounced, 0 complained\n`,
    );
    const outbox = readdirSync(path.join(site, 'output/outbox'));
    expect(outbox).toEqual([expect.stringMatching(/^issue-1-reader@example\.org-[0-9a-f]{8}\.eml$/)]);
    const eml = readFileSync(path.join(site, 'output/outbox', outbox[0]!), 'utf8');
    expect(eml).toMatch(/^To: reader@example\.org\r$/m);
    expect(eml).toMatch(/^Subject: My Blog: Welcome\r$/m);
    // From another folder, with --config.
    const elsewhere = installed.npx(['validate', '--config', '../broadsheet.config.yaml'], { cwd: path.join(site, 'articles') });
    expect(elsewhere.status).toBe(0);
    expect(elsewhere.stdout).toBe('ok: 1 entries, 16 output files would be written\ndigest: shows issue 1, the next one broadsheet send will create\n');
  }, 120_000);
});

// ---------------------------------------------------------------------------
// The example GitHub Actions workflows, run step by step in a Hugo blog.

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { steps?: Step[]; needs?: string }>;
}

const workflow = (name: string) => parse(readFileSync(path.join(REPO, 'examples/github-actions', name), 'utf8')) as Workflow;
const describeStep = (s: Step) => (s.uses ? `uses ${s.uses}${s.with?.ref ? ` ref=${s.with.ref} path=${s.with.path}` : ''}` : `run: ${s.run!.split('\n')[0]}`);

/** `${{ secrets.X }}`-style values of a step's env, from the test's stand-ins; every one must be known. */
function stepEnv(step: Step, values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.env ?? {})) {
    const m = /^\$\{\{\s*([\w.]+)\s*\}\}$/.exec(v);
    if (m && values[m[1]!] === undefined) throw new Error(`no stand-in for ${m[1]}`);
    env[k] = m ? values[m[1]!]! : v;
  }
  return env;
}

/** A `run` step as the runner runs it: bash -e -o pipefail, in the working directory, with its env. */
function runStep(step: Step, cwd: string, values: Record<string, string>): Promise<Ran> {
  expect(step.run, describeStep(step)).not.toMatch(/\$\{\{/);
  return exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], path.join(cwd, step['working-directory'] ?? ''), { GITHUB_RUN_ID: '1', ...stepEnv(step, values) });
}

describe('examples/github-actions', () => {
  const BLOG_URL = 'https://blog.example.test/';
  let blog: string;
  let remote: string;
  let host: StaticHost;
  const values: Record<string, string> = {};

  beforeAll(async () => {
    if (!tool('hugo') || !tool('git') || !tool('curl')) return;
    blog = path.join(installed.root, 'blog');
    mkdirSync(blog);
    // The blog's repository: broadsheet installed (as `npm ci` would), a Hugo site, broadsheet's config.
    symlinkSync(path.join(installed.site, 'node_modules'), path.join(blog, 'node_modules'), 'dir');
    cpSync(path.join(installed.site, 'package.json'), path.join(blog, 'package.json'));
    // The published site: what the Pages deployment holds, apart from the runner's workspace.
    host = await startStaticHost(path.join(installed.root, 'pages'));
    const write = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(blog, rel)), { recursive: true });
      writeFileSync(path.join(blog, rel), text);
    };
    write('hugo.toml', `baseURL = "${BLOG_URL}"\ntitle = "Hugo Blog"\n`);
    write('layouts/_default/single.html', '<!doctype html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .Content }}\n');
    write('layouts/_default/list.html', '<!doctype html><title>{{ .Title }}</title>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}\n');
    write('content/posts/first-post.md', '---\ntitle: First post\ndescription: The first post of the Hugo blog.\ndate: 2025-08-20T09:00:00Z\n---\nHello from Hugo.\n');
    // The blog's address; the workflows reach its published copy through SITE_URL, here the local host standing in for it.
    expect((await exec('npx', ['broadsheet', 'init', '--title', 'Hugo Blog', '--url', BLOG_URL], blog)).code).toBe(0);
    const config = readFileSync(path.join(blog, 'broadsheet.config.yaml'), 'utf8');
    write(
      'broadsheet.config.yaml',
      config
        .replace('  dir: articles\n', '  dir: content/posts\n')
        .replace('permalink: "{slug}/"', 'permalink: "posts/{slug}/"')
        .replace('  # postalAddress: "1 Example Street, Exampletown"', '  postalAddress: "1 Hugo Street, Testville"'),
    );

    // The ledger's branch, created once as feeds.yml says, on a "remote" in a folder.
    remote = path.join(installed.root, 'remote.git');
    git(installed.root, 'init', '-q', '--bare', remote);
    const seed = path.join(installed.root, 'seed');
    git(installed.root, 'init', '-q', seed);
    git(seed, 'switch', '-q', '--orphan', 'broadsheet-data');
    git(seed, 'commit', '-q', '--allow-empty', '-m', 'broadsheet data');
    git(seed, 'push', '-q', remote, 'broadsheet-data');

    smtp = await startSmtp();
    Object.assign(values, { 'secrets.SMTP_URL': smtp.url, 'secrets.BROADSHEET_SECRET': SECRET, 'vars.SITE_URL': host.url, 'github.token': 'unused' });
  }, 120_000);

  afterAll(async () => {
    await host?.close();
  });

  /** The data folder as `actions/checkout` with ref broadsheet-data and path data leaves it: a clone whose origin takes pushes. */
  const checkoutData = () => {
    rmSync(path.join(blog, 'data'), { recursive: true, force: true });
    git(blog, 'clone', '-q', '--branch', 'broadsheet-data', remote, 'data');
  };

  /**
   * Runs one job's steps on a fresh runner (no build output left from an
   * earlier run); what only GitHub can do is left out, and said so.
   */
  async function runJob(file: string, job: string): Promise<Map<string, Ran>> {
    for (const dir of ['public', 'output']) rmSync(path.join(blog, dir), { recursive: true, force: true });
    const results = new Map<string, Ran>();
    let failed = false;
    for (const step of workflow(file).jobs[job]!.steps!) {
      const what = describeStep(step);
      if (step.uses) {
        if (step.with?.ref === 'broadsheet-data') checkoutData();
        // Upload and deploy: the site becomes exactly the folder uploaded.
        if (step.uses.startsWith('actions/upload-pages-artifact') && !failed) {
          rmSync(path.join(installed.root, 'pages'), { recursive: true, force: true });
          cpSync(path.join(blog, step.with!.path!), path.join(installed.root, 'pages'), { recursive: true });
        }
        continue; // checkout of the blog (the test's folder), setup-node and Hugo (on PATH here)
      }
      if (step.run === 'npm ci' || step.run!.startsWith('gh ')) continue; // done by the fixture / GitHub's own CLI and API
      if (failed && !(step.if ?? '').startsWith('always()')) continue;
      const r = await runStep(step, blog, values);
      results.set(step.id ?? what, r);
      if (r.code !== 0) failed = true;
    }
    return results;
  }

  it('feeds.yml and digest.yml have the triggers, permissions and steps the docs describe', () => {
    if (!blog) return;
    const feeds = workflow('feeds.yml');
    expect(Object.keys(feeds.on)).toEqual(['push', 'schedule', 'workflow_dispatch']);
    expect(feeds.permissions).toEqual({ contents: 'read' });
    expect(feeds.jobs.build!.steps!.map(describeStep)).toEqual([
      'uses actions/checkout@v4',
      'uses actions/checkout@v4 ref=broadsheet-data path=data',
      'uses actions/setup-node@v4',
      'uses peaceiris/actions-hugo@v3',
      'run: npm ci',
      'run: npx broadsheet validate',
      'run: hugo --minify',
      'run: mkdir -p public/issues',
      'run: npx broadsheet build --out public',
      'uses actions/upload-pages-artifact@v3',
    ]);
    expect(feeds.jobs.build!.steps!.at(-1)!.with!.path).toBe('public');
    expect(feeds.jobs.deploy!.needs).toBe('build');

    const digest = workflow('digest.yml');
    expect(Object.keys(digest.on)).toEqual(['schedule', 'workflow_dispatch']);
    expect(digest.permissions).toEqual({ contents: 'write', actions: 'write' });
    expect(digest.concurrency).toEqual({ group: 'digest', 'cancel-in-progress': false });
    expect(digest.jobs.send!.steps!.map(describeStep)).toEqual([
      'uses actions/checkout@v4',
      'uses actions/checkout@v4 ref=broadsheet-data path=data',
      'uses actions/setup-node@v4',
      'run: npm ci',
      'run: mkdir -p output/issues',
      'run: npx broadsheet send',
      "run: git add -A -- . ':!*.lock' ':!*-shm'",
      'run: gh workflow run feeds.yml --ref main',
    ]);
    // Node as the workflows set it up is the Node these tests run on.
    for (const wf of [feeds, digest]) expect(Object.values(wf.jobs).flatMap((j) => j.steps ?? []).find((s) => s.uses?.startsWith('actions/setup-node'))!.with!['node-version']).toBe(Number(process.versions.node.split('.')[0]));
    // No cache anywhere: the ledger lives on a branch.
    expect(readFileSync(path.join(REPO, 'examples/github-actions/digest.yml'), 'utf8')).not.toMatch(/actions\/cache/);
  });

  it('digest.yml sends, keeps the ledger on its branch; feeds.yml adds the feeds and the issue archive to the Hugo site without touching its pages', async () => {
    if (!blog) return;
    expect((await exec('npx', ['broadsheet', 'subscribers', 'add', 'ann@example.org'], blog)).code).toBe(0);
    // The subscribers live in the data folder, on the branch, like the ledger.
    const seedData = path.join(installed.root, 'seed');
    cpSync(path.join(blog, 'data', 'broadsheet.db'), path.join(seedData, 'broadsheet.db'));
    git(seedData, 'add', 'broadsheet.db');
    git(seedData, 'commit', '-q', '-m', 'subscribers');
    git(seedData, 'push', '-q', remote, 'broadsheet-data');

    const first = await runJob('digest.yml', 'send');
    expect(first.get('run: mkdir -p output/issues')!.stdout).toBe('no issue published yet\n');
    expect(first.get('send')).toMatchObject({ code: 0, stdout: 'issue 1: 1 accepted, 0 failed, 0 pending\nnot mailed: 0 pending confirmation, 0 unsubscribed, 0 bounced, 0 complained\n' });
    expect(smtp.received.map((m) => m.to)).toEqual([['ann@example.org']]);
    expect(git(installed.root, '--git-dir', remote, 'log', '--format=%s', 'broadsheet-data')).toBe('ledger after digest run 1\nsubscribers\nbroadsheet data');
    expect(git(installed.root, '--git-dir', remote, 'ls-tree', '--name-only', 'broadsheet-data')).toBe('broadsheet.db');

    const feeds = await runJob('feeds.yml', 'build');
    for (const [what, r] of feeds) expect(r.code, `${what}\n${r.stdout}${r.stderr}`).toBe(0);
    const hugoPage = path.join(blog, 'public/posts/first-post/index.html');
    expect(readFileSync(hugoPage, 'utf8')).toContain('<h1>First post</h1>');
    const published = (await http(host.url, '/issues/latest.json')).text;
    expect(published).toBe('{"latestIssue":1}\n');
    expect((await http(host.url, '/rss.xml')).text).toContain(`<link>${BLOG_URL}posts/first-post/</link>`);
    expect((await http(host.url, '/posts/first-post/')).status).toBe(200);
    expect((await http(host.url, '/issues/1/')).status).toBe(200);

    // A second build into the same folder leaves Hugo's files as they are, byte for byte and mtime.
    const hugoFiles = ['index.xml', 'sitemap.xml', 'posts/first-post/index.html', 'index.html'].map((f) => path.join(blog, 'public', f));
    const before = hugoFiles.map((f) => [readFileSync(f, 'utf8'), statSync(f).mtimeMs]);
    expect((await exec('npx', ['broadsheet', 'build', '--out', 'public'], blog)).code).toBe(0);
    expect(hugoFiles.map((f) => [readFileSync(f, 'utf8'), statSync(f).mtimeMs])).toEqual(before);
  }, 180_000);

  it('digest.yml refuses to send when the ledger on its branch has vanished but the site shows issues', async () => {
    if (!blog) return;
    // Someone resets the data branch: the ledger is gone.
    const seedData = path.join(installed.root, 'seed');
    git(seedData, 'rm', '-q', 'broadsheet.db');
    git(seedData, 'commit', '-q', '-m', 'oops');
    git(seedData, 'push', '-q', '--force', remote, 'broadsheet-data');
    writeFileSync(path.join(blog, 'content/posts/second-post.md'), '---\ntitle: Second post\ndescription: The second post.\ndate: 2025-08-21T09:00:00Z\n---\nAgain.\n');

    const refused = async () => {
      const run = await runJob('digest.yml', 'send');
      expect(run.get('run: mkdir -p output/issues')!.stdout).toBe('published: {"latestIssue":1}\n');
      const send = run.get('send')!;
      expect(send.code).toBe(1);
      expect(send.stderr).toContain('error [LEDGER_MISSING]: output/issues/latest.json records issue 1, but the ledger in data has no issue at all');
      expect(smtp.received).toHaveLength(1);
    };
    await refused();

    // The hourly feeds run publishes the site again, from a data folder without the ledger:
    // the evidence stays on the site, with a warning, and the next digest run refuses again.
    const feeds = await runJob('feeds.yml', 'build');
    const build = feeds.get('run: npx broadsheet build --out public')!;
    expect(build.code).toBe(0);
    expect(build.stderr).toContain('public/issues/latest.json: records issue 1, but the data folder (data) has no issue; the issue archive is left as it is');
    expect((await http(host.url, '/issues/latest.json')).text).toBe('{"latestIssue":1}\n');
    await refused();
  }, 180_000);
});

// ---------------------------------------------------------------------------
// Docker, systemd and cron: their commands, run here as they would run there.

/** Starts a long-running command, waits for /healthz to answer 200, then stops it with SIGTERM and returns how it ended. */
async function serveUntilHealthy(cmd: string, args: string[], cwd: string, env: Record<string, string>, port: number): Promise<{ code: number | null; healthy: boolean; stderr: string }> {
  const child = spawn(cmd, args, { cwd, env: npmEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let healthy = false;
  for (let i = 0; i < 300 && child.exitCode === null && !healthy; i++) {
    healthy = await http(`http://127.0.0.1:${port}/`, '/healthz').then((r) => r.status === 200, () => false);
    if (!healthy) await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  return { code: await ended, healthy, stderr };
}

/** Dockerfile instructions, continuation lines joined and comments dropped. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map((l) => {
      const m = /^(\w+)\s+(.*)$/.exec(l.trim())!;
      return { op: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ') };
    });
}

describe('examples/docker, examples/systemd, examples/cron', () => {
  let site: string;
  const env = { BROADSHEET_SECRET: SECRET };

  beforeAll(() => {
    site = path.join(installed.root, 'server-site');
    mkdirSync(site);
    symlinkSync(path.join(installed.site, 'node_modules'), path.join(site, 'node_modules'), 'dir');
    cpSync(path.join(installed.site, 'package.json'), path.join(site, 'package.json'));
    expect(spawnSync('npx', ['broadsheet', 'init', '--title', 'Server Site', '--url', 'https://server.example.org/'], { cwd: site, env: npmEnv() }).status).toBe(0);
  });

  const setPort = (port: number) => {
    const file = path.join(site, 'broadsheet.config.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}port: \d+$/m, `  port: ${port}`));
  };

  it('the Dockerfile and compose file agree, keep data/ on a volume and secrets out of the image, and the container\'s command serves and stops cleanly', async () => {
    const docker = readFileSync(path.join(REPO, 'examples/docker/Dockerfile'), 'utf8');
    const steps = dockerInstructions(docker);
    const one = (op: string) => steps.filter((s) => s.op === op).map((s) => s.args);
    expect(one('FROM')).toEqual([`node:${process.versions.node.split('.')[0]}-bookworm-slim`]);
    const workdir = one('WORKDIR')[0]!;
    expect(workdir).toBe('/site');
    expect(steps.map((s) => s.op)).toEqual(['FROM', 'WORKDIR', 'ENV', 'COPY', 'RUN', 'COPY', 'RUN', 'VOLUME', 'USER', 'EXPOSE', 'HEALTHCHECK', 'STOPSIGNAL', 'CMD']);
    expect(one('COPY')).toEqual(['package.json package-lock.json ./', '. .']);
    expect(one('RUN')[0]).toBe('npm ci --omit=dev --no-audit --no-fund');
    const volumes = JSON.parse(one('VOLUME')[0]!) as string[];
    expect(volumes).toEqual([`${workdir}/data`, `${workdir}/output`]);
    expect(one('RUN')[1]).toBe('mkdir -p data output && chown node:node data output');
    expect(one('USER')).toEqual(['node']);
    expect(one('STOPSIGNAL')).toEqual(['SIGTERM']);
    const port = Number(one('EXPOSE')[0]);
    const cmd = JSON.parse(one('CMD')[0]!) as string[];
    expect(cmd.slice(0, 2)).toEqual(['sh', '-c']);
    expect(cmd[2]).toContain(`exec ./node_modules/.bin/broadsheet serve --schedule --host 0.0.0.0 --port ${port}`);
    const health = JSON.parse(one('HEALTHCHECK')[0]!.replace(/^.*?CMD /, '')) as string[];
    expect(health[2]).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(readFileSync(path.join(REPO, 'examples/docker/.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'data', 'output', '*.env']));

    const compose = parse(readFileSync(path.join(REPO, 'examples/docker/compose.yaml'), 'utf8')) as {
      services: Record<string, { build: string; env_file: string; environment?: unknown; ports: string[]; volumes: string[]; stop_grace_period: string }>;
      volumes: Record<string, unknown>;
    };
    const service = compose.services.broadsheet!;
    expect(service.build).toBe('.');
    expect(service.environment).toBeUndefined();
    expect(service.env_file).toBe('broadsheet.env');
    expect(service.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(service.volumes.map((v) => v.split(':')[1])).toEqual(volumes);
    expect(service.volumes.map((v) => v.split(':')[0])).toEqual(Object.keys(compose.volumes));
    expect(Number(/^(\d+)s$/.exec(service.stop_grace_period)![1]) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS + 2000);

    if (optionalTool('docker engine', hasDockerEngine(), 'the image is not built; the Dockerfile and compose file are checked structurally and the container\'s command is run here')) {
      const context = path.join(installed.root, 'docker-context');
      cpSync(site, context, { recursive: true, dereference: false, filter: (f) => !f.includes('node_modules') });
      cpSync(installed.tarball, path.join(context, path.basename(installed.tarball)));
      writeFileSync(path.join(context, 'package.json'), JSON.stringify({ name: 'server-site', private: true, dependencies: { broadsheet: `file:${path.basename(installed.tarball)}` } }));
      expect((await exec('npm', ['install', '--package-lock-only', '--prefer-offline', '--no-audit', '--no-fund'], context)).code).toBe(0);
      cpSync(path.join(REPO, 'examples/docker/Dockerfile'), path.join(context, 'Dockerfile'));
      cpSync(path.join(REPO, 'examples/docker/.dockerignore'), path.join(context, '.dockerignore'));
      const tag = `broadsheet-example-test:${process.pid}`;
      const built = await exec('docker', ['build', '-q', '-t', tag, context], context);
      expect(built.code, built.stderr).toBe(0);
      await exec('docker', ['image', 'rm', tag], context);
    }

    // The container's command, on loopback and a free port instead of 0.0.0.0:8080.
    const free = await freePort();
    const local = cmd[2]!.replace('--host 0.0.0.0', '--host 127.0.0.1').replace(`--port ${port}`, `--port ${free}`);
    const run = await serveUntilHealthy('sh', ['-c', local], site, env, free);
    expect(run.healthy, run.stderr).toBe(true);
    expect(run.code).toBe(0);
    expect(existsSync(path.join(site, 'output/rss.xml'))).toBe(true);
  }, 120_000);

  it('the systemd unit verifies, and its ExecStart serves and stops on its KillSignal within TimeoutStopSec', async () => {
    const text = readFileSync(path.join(REPO, 'examples/systemd/broadsheet.service'), 'utf8');
    const keys = new Map<string, string>();
    let section = '';
    for (const line of text.split('\n')) {
      if (/^\[(\w+)\]$/.test(line)) section = line.slice(1, -1);
      else if (/^\w+=/.test(line)) keys.set(`${section}.${line.slice(0, line.indexOf('='))}`, line.slice(line.indexOf('=') + 1));
    }
    const dir = keys.get('Service.WorkingDirectory')!;
    expect(keys.get('Service.ExecStart')).toBe(`${dir}/node_modules/.bin/broadsheet serve --schedule`);
    expect(keys.get('Service.KillSignal')).toBe('SIGTERM');
    expect(Number(keys.get('Service.TimeoutStopSec')) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS + 2000);
    expect(keys.get('Service.Restart')).toBe('on-failure');
    expect(keys.get('Service.ReadWritePaths')!.split(' ')).toEqual([`${dir}/data`, `${dir}/output`]);
    expect(keys.get('Service.EnvironmentFile')).toMatch(/^\/etc\//);
    expect(keys.get('Install.WantedBy')).toBe('multi-user.target');

    // The unit with this machine's paths: the installed site and an env file.
    const envFile = path.join(installed.root, 'news.env');
    writeFileSync(envFile, `BROADSHEET_SECRET=${SECRET}\n`);
    const unit = path.join(installed.root, 'news.service');
    writeFileSync(unit, text.replaceAll(dir, site).replaceAll(keys.get('Service.EnvironmentFile')!, envFile));
    if (optionalTool('systemd-analyze', hasSystemdAnalyze(), 'the unit is checked structurally only')) {
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
      expect(`${verify.stdout}${verify.stderr}`).toBe('');
      expect(verify.status).toBe(0);
    }

    const free = await freePort();
    setPort(free);
    const fromEnvFile = Object.fromEntries(readFileSync(envFile, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const [bin, ...args] = keys.get('Service.ExecStart')!.replace(dir, site).split(' ');
    const run = await serveUntilHealthy(bin!, args, site, fromEnvFile, free);
    expect(run.healthy, run.stderr).toBe(true);
    expect(run.code).toBe(0);
  }, 120_000);

  it('the crontab line is valid cron, and its command runs one tick', async () => {
    const line = readFileSync(path.join(REPO, 'examples/cron/crontab'), 'utf8').split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))!;
    const fields = line.split(/\s+/);
    expect(validCron(fields.slice(0, 5).join(' '))).toBe(true);
    const command = fields.slice(5).join(' ');
    expect(command).toContain('./node_modules/.bin/broadsheet schedule --once');
    const envFile = path.join(installed.root, 'cron.env');
    writeFileSync(envFile, `BROADSHEET_SECRET=${SECRET}\n`);
    const log = path.join(installed.root, 'cron.log');
    const local = command.replace('/srv/news', site).replace('/etc/broadsheet/news.env', envFile).replace('/var/log/broadsheet/news.log', log);
    expect(local).not.toMatch(/\/srv\/|\/etc\/|\/var\//);
    const r = await exec('sh', ['-c', local], installed.root, { PATH: process.env.PATH! });
    expect(r.code).toBe(0);
    const logged = readFileSync(log, 'utf8');
    expect(logged).toContain('tick finished tick=1');
    expect(logged).not.toContain('SECRET_MISSING');
  }, 60_000);
});
