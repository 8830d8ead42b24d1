import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

const run = (p: Project, command: string) => runCli([command, '--config', p.configFile], { cwd: p.dir });

describe('the digest through the CLI (dist/bin.js; npm test builds it first)', () => {
  it('build writes the digest files, and a second build leaves them unchanged', async () => {
    const p = makeProject();
    const first = await run(p, 'build');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const f of ['digest.html', 'digest.txt', 'digest.eml']) expect(first.stdout).toContain(`wrote     ${f}`);
    const bytes = readFileSync(path.join(p.output, 'digest.eml'));
    const second = await run(p, 'build');
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('digest.');
    expect(readFileSync(path.join(p.output, 'digest.eml')).equals(bytes)).toBe(true);
  });

  it('validate exits 1 with TEMPLATE_INVALID naming the broken template and line', async () => {
    const p = makeProject({ templates: { 'partials/footer.mjml': (s) => s.replace('<mj-column>', '<mj-column colour="red">') } });
    const r = await run(p, 'validate');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[TEMPLATE_INVALID\]: email template .*partials\/footer\.mjml:\d+ is invalid\n/);
    expect(r.stderr).toMatch(/\n {2}.*partials\/footer\.mjml:\d+: MJML: <mj-column>: Attribute colour is illegal\n/);
  });
});
