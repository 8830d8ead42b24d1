import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject, snapshotDir, type Project } from '../helpers/project.js';

let project: Project;
beforeEach(() => {
  project = makeProject();
});

const cli = (args: string[]) => runCli(args, { cwd: project.dir });

const LEAD = 'articles/2025-08-29-pentagon-ends-microsoft-china-based-support.md';
const TEASER = 'articles/2025-08-27-from-chip-war-to-cloud-war.md';

/** Builds once so output/ holds a previous good build, then proves a failed build leaves it byte for byte. */
async function buildFailsAndKeepsOutput(): Promise<string> {
  const before = snapshotDir(project.output);
  const r = await cli(['build', '--config', project.configFile]);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(snapshotDir(project.output)).toEqual(before);
  return r.stderr;
}

describe('bad content: exit 1, every problem named, output untouched', () => {
  beforeEach(async () => {
    // A sentinel beside the real outputs: a failed build must not remove or rewrite anything.
    project.write('output/sentinel.txt', 'previous build\n');
    const ok = await cli(['build', '--config', project.configFile]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('malformed YAML names the file and line', async () => {
    project.write('articles/broken.md', '---\ntitle: "unclosed\ndate: 2025-01-01\n---\nBody\n');
    const err = await buildFailsAndKeepsOutput();
    expect(err).toMatch(/error \[CONTENT_INVALID\]: 1 problem\(s\) in 1 file\(s\)/);
    expect(err).toMatch(/articles\/broken\.md:\d+: malformed YAML/);
  });

  it('a missing title names the field', async () => {
    project.write('articles/untitled.md', '---\ndescription: A standfirst\ndate: 2025-01-01\n---\nBody\n');
    expect(await buildFailsAndKeepsOutput()).toContain('articles/untitled.md:2: title: is required');
  });

  it('an unparsable date names the field, the line and the value', async () => {
    project.write('articles/when.md', '---\ntitle: T\ndescription: D\ndate: last Tuesday\n---\nBody\n');
    expect(await buildFailsAndKeepsOutput()).toContain('articles/when.md:4: date: "last Tuesday" is not a date');
  });

  it('an impossible calendar date is refused', async () => {
    project.write('articles/feb.md', '---\ntitle: T\ndescription: D\ndate: 2025-02-30\n---\nBody\n');
    expect(await buildFailsAndKeepsOutput()).toContain('articles/feb.md:4: date: "2025-02-30" is not a real calendar date or time');
  });

  it('a duplicate slug names both files', async () => {
    project.write('articles/copy.md', '---\ntitle: T\ndescription: D\ndate: 2025-01-01\nslug: data-crunch-in-ai\n---\nBody\n');
    const err = await buildFailsAndKeepsOutput();
    expect(err).toContain('articles/copy.md:5: slug: duplicate slug "data-crunch-in-ai", also used by articles/2025-08-22-data-crunch-in-ai.md');
  });

  it('a related slug that does not exist names the list item and its line', async () => {
    const text = project.read(LEAD).replace('  - data-crunch-in-ai\n', '  - data-crunch-in-a1\n');
    project.write(LEAD, text);
    expect(await buildFailsAndKeepsOutput()).toContain(`${LEAD}:10: related[3]: no article has the slug "data-crunch-in-a1"`);
  });

  it('invalid UTF-8 names the file and the line of the bad byte', async () => {
    project.write('articles/latin1.md', Buffer.concat([Buffer.from('---\ntitle: T\ndescription: D\ndate: 2025-01-01\n---\n\nCaf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]));
    expect(await buildFailsAndKeepsOutput()).toMatch(/articles\/latin1\.md:7: invalid UTF-8 at byte \d+/);
  });

  it('an unknown field is named in one warning, with the field it may mean; under content.strict it is an error', async () => {
    project.write('articles/typo.md', '---\ntitle: T\ndescription: D\ndate: 2025-01-01\ntgas: [a]\nlayout: post\n---\nBody\n');
    project.write('articles/other.md', '---\ntitle: T\ndescription: D\ndate: 2025-01-01\nlayout: post\n---\nBody\n');
    const ok = await cli(['build', '--config', project.configFile]);
    expect(ok.code, ok.stderr).toBe(0);
    const warnings = ok.stderr.split('\n').filter((l) => l.includes('front-matter field'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('articles: ignored 2 front-matter field(s) broadsheet does not read, in 2 file(s): layout (2), tgas (1; did you mean tags?); set content.strict: true to make them errors');
    project.configure((c) => (c.content.strict = true));
    const err = await buildFailsAndKeepsOutput();
    expect(err).toContain('articles/typo.md:5: tgas: unknown field: did you mean "tags"? remove it, or set content.strict: false to have unknown fields ignored');
    expect(err).toContain('articles/typo.md:6: layout: unknown field: remove it');
  });

  it('reports every problem of every file in one run', async () => {
    project.write('articles/a.md', '---\ndescription: D\ndate: nope\n---\nBody\n');
    project.write('articles/b.md', 'no front matter here\n');
    const err = await buildFailsAndKeepsOutput();
    expect(err).toContain('3 problem(s) in 2 file(s)');
    expect(err).toContain('articles/a.md:2: title: is required');
    expect(err).toContain('articles/a.md:3: date: "nope" is not a date');
    expect(err).toContain('articles/b.md:1: missing front matter');
  });

  it('validate finds the same problems and writes nothing', async () => {
    project.write(TEASER, project.read(TEASER).replace(/^title: .*\n/m, ''));
    const before = snapshotDir(project.output);
    const r = await cli(['validate', '--config', project.configFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${TEASER}:2: title: is required`);
    expect(snapshotDir(project.output)).toEqual(before);
  });
});

describe('bad configuration and usage', () => {
  it('an invalid config value names the file, line and field; exit 1', async () => {
    project.configure((c) => (c.site.url = 'news.example.com'));
    const r = await cli(['build', '--config', project.configFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broadsheet\.config\.yaml:\d+: site\.url: must be an absolute http\(s\) URL/);
  });

  it('a missing config file says so; exit 1', async () => {
    const r = await cli(['build', '--config', path.join(project.dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.yaml not found');
  });

  it('an unknown option or command is a usage error; exit 2', async () => {
    expect((await cli(['build', '--frobnicate'])).code).toBe(2);
    const r = await cli(['publish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "publish"');
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/build\s+write the feeds and the digest/);
    expect(r.stdout).toMatch(/validate\s+check the config/);
  });
});
