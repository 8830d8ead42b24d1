import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { CLI, REPO, tempDir } from '../helpers/project.js';
import { tool } from '../helpers/tools.js';

/** An empty folder, as a blogger's would be before init: no project, no config. */
let dir: string;
beforeEach(() => {
  dir = tempDir();
});

/** Every file under the folder, relative, sorted. */
function files(root = dir): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

const cli = (args: string[]) => runCli(args, { cwd: dir });
const read = (rel: string) => readFileSync(path.join(dir, rel), 'utf8');
const edit = (rel: string, from: string, to: string) => {
  const text = read(rel);
  expect(text).toContain(from);
  writeFileSync(path.join(dir, rel), text.replace(from, to));
};

describe('broadsheet init', async () => {
  it('writes a commented config and one article, asks nothing off a terminal, and the site builds with the shipped templates', async () => {
    const r = await cli(['init', '--title', 'Field Notes: #1', '--url', 'https://notes.example.org']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('created broadsheet.config.yaml\ncreated articles/welcome.md\nnext: npx broadsheet build   (the feeds and a digest preview, in output/)\n');
    expect(files()).toEqual(['articles/welcome.md', 'broadsheet.config.yaml']);

    const text = read('broadsheet.config.yaml');
    expect(text.split('\n').filter((l) => /^\s*#/.test(l)).length).toBeGreaterThan(20);
    expect(text).toContain('# publicUrl: https://list.example.com/');
    const config = await loadConfig(path.join(dir, 'broadsheet.config.yaml'));
    expect(config.site).toMatchObject({ title: 'Field Notes: #1', url: 'https://notes.example.org/', language: 'en', author: { name: 'Field Notes: #1' } });
    expect(config.email?.from).toBe('Field Notes: #1 <newsletter@notes.example.org>');
    expect(config.digest.enabled).toBe(true);
    expect(config.paths.templates).toBeUndefined();

    const build = await cli(['build']);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/^built 1 entry \(1 article, 0 teasers\) into output\/ in \d+ ms\n/);
    expect(read('output/rss.xml')).toContain('<link>https://notes.example.org/welcome/</link>');

    // The same site with digest.templates naming this repository's templates renders the same bytes.
    writeFileSync(path.join(dir, 'explicit.yaml'), `${text}\n`.replace('digest:\n', `digest:\n  templates: ${JSON.stringify(path.join(REPO, 'email-templates'))}\n`));
    expect((await cli(['build', '--config', 'explicit.yaml', '--out', 'explicit'])).code).toBe(0);
    for (const f of ['digest.html', 'digest.txt', 'digest.eml']) expect(read(`output/${f}`)).toBe(read(`explicit/${f}`));
  });

  it('takes the folder name and an example URL when given no flags, and says so', async () => {
    const r = await cli(['init']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('site.url is https://example.com/: set it to your site\'s address in broadsheet.config.yaml\n');
    const config = await loadConfig(path.join(dir, 'broadsheet.config.yaml'));
    expect(config.site.title).toBe(path.basename(dir));
    expect(config.site.url).toBe('https://example.com/');
  });

  it('asks for the title and the URL on a terminal, an empty answer taking the default', async () => {
    if (!tool('script')) return;
    // script(1) gives the CLI a pseudo-terminal and types these lines into it.
    const r = spawnSync('script', ['-qec', `${process.execPath} ${CLI} init`, '/dev/null'], { cwd: dir, input: 'Typed Title\n\n', encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Site title [${path.basename(dir)}]: `);
    expect(r.stdout).toContain('Site URL [https://example.com/]: ');
    const config = await loadConfig(path.join(dir, 'broadsheet.config.yaml'));
    expect(config.site.title).toBe('Typed Title');
    expect(config.site.url).toBe('https://example.com/');
  });

  it('refuses to overwrite: exit 1, every existing file named, nothing written', async () => {
    writeFileSync(path.join(dir, 'broadsheet.config.yaml'), 'mine\n');
    const r = await cli(['init', '--title', 'X']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error [INIT_REFUSED]: 1 file(s) already exist; init never overwrites: move them away or edit them instead\n  broadsheet.config.yaml: exists\n');
    expect(files()).toEqual(['broadsheet.config.yaml']);
    expect(read('broadsheet.config.yaml')).toBe('mine\n');
  });

  it('refuses a URL that is not absolute http(s) (exit 2) and an empty title', async () => {
    const url = await cli(['init', '--url', 'notes.example.org']);
    expect(url.code).toBe(2);
    expect(url.stderr).toBe('error [USAGE]: --url must be an absolute http(s) URL such as https://example.com/, not "notes.example.org"\n');
    expect((await cli(['init', '--title', ' '])).stderr).toBe('error [USAGE]: --title must not be empty\n');
    expect(files()).toEqual([]);
  });

  it('--templates copies the shipped templates, and the digest is then rendered from the copies', async () => {
    expect((await cli(['init', '--title', 'Field Notes'])).code).toBe(0);
    const r = await cli(['init', '--templates']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const shipped = files(path.join(REPO, 'email-templates'));
    expect(shipped).toEqual(['confirm.mjml', 'confirm.txt.hbs', 'digest.mjml', 'digest.txt.hbs', 'partials/card.mjml', 'partials/footer.mjml', 'partials/header.mjml']);
    expect(r.stdout).toBe([...shipped.map((f) => `created email-templates/${f}`), 'the digest now uses the templates in email-templates/', ''].join('\n'));
    for (const f of shipped) expect(read(`email-templates/${f}`)).toBe(readFileSync(path.join(REPO, 'email-templates', f), 'utf8'));

    edit('email-templates/digest.txt.hbs', '{{site.title}}', '{{site.title}} (our own template)');
    expect((await cli(['build'])).code).toBe(0);
    expect(read('output/digest.txt')).toContain('Field Notes (our own template)');

    const again = await cli(['init', '--templates']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error [INIT_REFUSED]: 7 file(s) already exist');
    expect((await cli(['init', '--templates', '--title', 'X'])).code).toBe(2);
  });
});

describe('digest.enabled: false', async () => {
  it('needs no templates, secret or SMTP: build, validate and the schedule skip the digest, and send refuses', async () => {
    expect((await cli(['init', '--title', 'Feeds Only', '--url', 'https://feeds.example.org/'])).code).toBe(0);
    expect((await cli(['build'])).stdout).toContain('wrote     digest.html');
    edit('broadsheet.config.yaml', '  enabled: true\n', '  enabled: false\n  templates: no-such-folder\n');

    const build = await cli(['build']);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    // The digest files of the earlier build go; the feeds stay.
    for (const f of ['digest.html', 'digest.txt', 'digest.eml']) expect(build.stdout).toContain(`removed   ${f}`);
    expect(build.stdout).not.toContain('digest    ');
    expect(existsSync(path.join(dir, 'output/rss.xml'))).toBe(true);
    expect(existsSync(path.join(dir, 'output/digest.html'))).toBe(false);

    const validate = await cli(['validate']);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toBe('ok: 1 entries, 12 output files would be written\n');

    for (const args of [['send'], ['send', '--dry-run']]) {
      const send = await cli(args);
      expect(send.code).toBe(1);
      expect(send.stderr).toMatch(/^error \[DIGEST_DISABLED\]: digest.enabled is false in .*broadsheet\.config\.yaml: this site has no digest to send\n/);
    }

    // No BROADSHEET_SECRET, no SMTP_URL: the schedule only rebuilds.
    rmSync(path.join(dir, 'output'), { recursive: true });
    const tick = await cli(['schedule', '--once', '--log-format', 'json']);
    expect(tick.code).toBe(0);
    expect(tick.stderr).toContain('"digest":"none (digest.enabled is false)"');
    expect(existsSync(path.join(dir, 'output/rss.xml'))).toBe(true);
  });
});
