import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, SECRET, tempDir, type Project } from '../helpers/project.js';

/** Run in an empty folder: none of these commands needs a project. */
const empty = tempDir();
const cli = (args: string[]) => runCli(args, { cwd: empty });

/** Every misuse of the command line: the exact message, and exit status 2. */
const MISUSES: [string[], string][] = [
  [['biuld'], 'error [USAGE]: unknown command "biuld"; did you mean build? (see broadsheet --help)'],
  [['sned'], 'error [USAGE]: unknown command "sned"; did you mean send? (see broadsheet --help)'],
  [['publish'], 'error [USAGE]: unknown command "publish" (see broadsheet --help)'],
  [['build', '--chek'], 'error [USAGE]: unknown option --chek for broadsheet build; did you mean --check? (see broadsheet help build)'],
  [['send', '--dryrun'], 'error [USAGE]: unknown option --dryrun for broadsheet send; did you mean --dry-run? (see broadsheet help send)'],
  [['build', '--frobnicate'], 'error [USAGE]: unknown option --frobnicate for broadsheet build (see broadsheet help build)'],
  [['--chek', 'build'], 'error [USAGE]: unknown option --chek before the command (did you mean --check?): only global options may come first, command options go after the command'],
  [['build', 'stray'], 'error [USAGE]: unexpected argument "stray": broadsheet build takes no arguments'],
  [['validate', 'a', 'b'], 'error [USAGE]: unexpected argument "a" "b": broadsheet validate takes no arguments'],
  [['build', '--config'], 'error [USAGE]: --config needs a value for broadsheet build'],
  [['build', '--check=yes'], 'error [USAGE]: --check takes no value for broadsheet build'],
  [['build', '--log-format', 'xml'], 'error [USAGE]: --log-format must be text or json, not "xml"'],
  [['subscribers'], 'error [USAGE]: broadsheet subscribers needs one of: add, remove, list, import, export, stats (see broadsheet help subscribers)'],
  [['subscribers', 'ad', 'x@example.org'], 'error [USAGE]: unknown subscribers command "ad"; did you mean add? (one of: add, remove, list, import, export, stats)'],
  [['subscribers', 'add'], 'error [USAGE]: broadsheet subscribers add needs <email>'],
  [['subscribers', 'list', 'extra'], 'error [USAGE]: unexpected argument "extra": broadsheet subscribers list takes no arguments'],
  [['issues', 'show'], 'error [USAGE]: broadsheet issues show needs <number>'],
  [['help', 'nope'], 'error [USAGE]: unknown command "nope" (see broadsheet --help)'],
  [['help', 'biuld'], 'error [USAGE]: unknown command "biuld"; did you mean build? (see broadsheet --help)'],
  [['completion', 'tcsh'], 'error [USAGE]: broadsheet completion needs one of: bash, zsh, fish'],
  [[], 'error [USAGE]: a command is needed (see broadsheet --help)'],
];

describe('command-line misuse', () => {
  it.each(MISUSES)('broadsheet %j: exit 2 with one clear line', async (args, message) => {
    const r = await cli(args);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('the same line, as one JSON object, under --log-format json', async () => {
    const r = await cli(['biuld', '--log-format', 'json']);
    expect(r.code).toBe(2);
    const line = JSON.parse(r.stderr) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', event: 'failed', code: 'USAGE', message: 'unknown command "biuld"; did you mean build? (see broadsheet --help)', problems: [] });
  });
});

describe('help, version and completion', () => {
  it('global options work before and after the command', async () => {
    const project = makeProject();
    const before = await cli(['--config', project.configFile, 'validate']);
    const after = await cli(['validate', '--config', project.configFile]);
    expect(before.code).toBe(0);
    expect(after.code).toBe(0);
    expect(before.stdout).toBe(after.stdout);
    expect(before.stdout).toMatch(/^ok: 7 entries, \d+ output files would be written\n/);
  });

  it('help <command> is --help of that command, and every command help shows the global options', async () => {
    const viaHelp = await cli(['help', 'send']);
    const viaFlag = await cli(['send', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    for (const command of ['build', 'validate', 'subscribers', 'send', 'schedule', 'serve', 'issues', 'inbound']) {
      const help = await cli(['help', command]);
      expect(help.stdout, command).toContain('Global options:');
      expect(help.stdout, command).toContain('--log-format <fmt>');
      expect(help.stdout, command).toContain(`  broadsheet ${command}`);
    }
  });

  it('lists -V/--version and prints the package version', async () => {
    expect((await cli(['--help'])).stdout).toContain('-V, --version');
    const v = await cli(['-V']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^broadsheet \d+\.\d+\.\d+\n$/);
    expect((await cli(['--version'])).stdout).toBe(v.stdout);
  });

  it('prints completion scripts that name every command; bash accepts its own', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await cli(['completion', shell]);
      expect(r.code).toBe(0);
      for (const c of ['build', 'validate', 'subscribers', 'send', 'schedule', 'serve', 'issues', 'inbound']) expect(r.stdout, shell).toContain(c);
    }
    // bash itself parses the script and completes "bui" to "build".
    const script = (await cli(['completion', 'bash'])).stdout;
    const child = spawn('bash', ['-c', `${script}\nCOMP_WORDS=(broadsheet bui); COMP_CWORD=1; _broadsheet; echo "\${COMPREPLY[@]}"`]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await once(child, 'close');
    expect(out.trim()).toBe('build');
  });
});

describe('--log-format json covers every command', () => {
  let project: Project;
  beforeAll(() => {
    project = makeProject();
  });

  const jsonLines = (text: string) =>
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it.each([
    [['build']],
    [['build', '--check']],
    [['validate']],
    [['subscribers', 'add', 'ann@example.org']],
    [['subscribers', 'list']],
    [['send', '--dry-run']],
    [['issues', 'list']],
    [['schedule', '--once']],
  ])('broadsheet %j: stdout and stderr are JSON lines', async (args) => {
    const r = await runCli([...args, '--config', project.configFile, '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    const out = jsonLines(r.stdout);
    const err = jsonLines(r.stderr);
    expect(out.length + err.length).toBeGreaterThan(0);
    for (const line of [...out, ...err]) expect(typeof line.event, JSON.stringify(line)).toBe('string');
  });

  it('serve and schedule --once log JSON lines until they stop', async () => {
    const serve = startCli(['serve', '--port', '0', '--config', project.configFile, '--log-format', 'json'], { cwd: project.dir });
    await serve.waitFor((e) => e.event === 'listening');
    serve.child.kill('SIGTERM');
    await serve.exited;
    const lines = jsonLines(serve.lines.join('\n'));
    for (const line of lines) expect(typeof line.event).toBe('string');
    expect(lines.map((l) => l.event)).toContain('server stopped');
  });
});
