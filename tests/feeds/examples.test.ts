import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { REPO } from '../helpers/project.js';

describe('examples/github-actions.yml', () => {
  it('builds on push and on a schedule, publishes the output folder, and runs only real commands', async () => {
    const text = await readFile(path.join(REPO, 'examples/github-actions.yml'), 'utf8');
    const wf = parse(text) as { on: Record<string, unknown>; jobs: Record<string, { steps?: { run?: string; uses?: string; with?: Record<string, string> }[] }> };
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'schedule']));
    const steps = wf.jobs.build!.steps!;
    const runs = steps.map((s) => s.run).filter((r): r is string => r !== undefined);
    expect(runs).toContain('node dist/cli.js build');
    const used = [...text.matchAll(/node dist\/cli\.js ([a-z]+)/g)].map((m) => m[1]);
    expect([...new Set(used)].sort()).toEqual(['build', 'validate']);
    for (const name of used) expect(commands.map((c) => c.name)).toContain(name);
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-pages-artifact'))?.with?.path).toBe('output');
    expect(wf.jobs.deploy).toBeDefined();
  });
});
