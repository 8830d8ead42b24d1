import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';

/*
 * issue 9, defect 7: `a!b@`, `a#b@` and `a_b@` made one outbox file name, so a
 * dry run failed with a misleading rename error and left one file for three.
 */

describe('send --dry-run to addresses the safe file name cannot tell apart', () => {
  let project: Project;

  beforeAll(async () => {
    project = makeProject({ articles: 'none', config: TEST_SHEET });
    project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
    await project.addSubscribers(['a!b@example.org', 'a#b@example.org', 'a_b@example.org']);
  });

  it('writes one file per recipient, each addressed to its own recipient', async () => {
    const r = await runCli(['send', '--dry-run'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const outbox = path.join(project.dir, 'output', 'outbox');
    // The readable part is the same for all three; the hash of the exact address is not.
    const files = (await readdir(outbox)).sort();
    expect(files).toEqual(['issue-1-a_b@example.org-661f25c4.eml', 'issue-1-a_b@example.org-912f1451.eml', 'issue-1-a_b@example.org-d67333b4.eml']);
    const to = await Promise.all(files.map(async (f) => (await simpleParser(await readFile(path.join(outbox, f)))).to));
    expect(to.map((t) => (Array.isArray(t) ? t : [t]).flatMap((a) => a!.value.map((v) => v.address)))).toEqual([['a_b@example.org'], ['a#b@example.org'], ['a!b@example.org']]);
  });
});
