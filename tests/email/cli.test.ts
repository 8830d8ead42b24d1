import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, REPO, tempDir, templatesWith } from './setup.js';

afterAll(cleanupTemps);

const CLI = path.join(REPO, 'dist/cli.js');

/** A config file in a temp folder using the repository's articles and the given templates. */
function project(templates = path.join(REPO, 'email-templates')): { dir: string; config: string } {
  const dir = tempDir();
  const data = parse(readFileSync(path.join(REPO, 'broadsheet.config.yaml'), 'utf8')) as Record<string, any>;
  data.content.dir = path.join(REPO, 'articles');
  data.digest.templates = templates;
  const config = path.join(dir, 'broadsheet.config.yaml');
  writeFileSync(config, stringify(data));
  return { dir, config };
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the digest through the CLI (dist/cli.js; npm test builds it first)', () => {
  it('build writes the digest files, and a second build leaves them unchanged', () => {
    const { dir, config } = project();
    const first = run(['build', '--config', config]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    for (const f of ['digest.html', 'digest.txt', 'digest.eml']) expect(first.stdout).toContain(`wrote     ${f}`);
    const bytes = readFileSync(path.join(dir, 'output/digest.eml'));
    const second = run(['build', '--config', config]);
    expect(second.status).toBe(0);
    expect(second.stdout).not.toContain('digest.');
    expect(readFileSync(path.join(dir, 'output/digest.eml')).equals(bytes)).toBe(true);
  });

  it('validate exits 1 with TEMPLATE_INVALID naming the broken template and line', () => {
    const templates = templatesWith({ 'partials/footer.mjml': (s) => s.replace('<mj-column>', '<mj-column colour="red">') });
    const { config } = project(templates);
    const r = run(['validate', '--config', config]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error \[TEMPLATE_INVALID\]: email template .*partials\/footer\.mjml:\d+ is invalid\n/);
    expect(r.stderr).toMatch(/\n {2}.*partials\/footer\.mjml:\d+: MJML: <mj-column>: Attribute colour is illegal\n/);
  });
});
