import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

/*
 * issue 9, defect 10 (files and values, not the database): YAML alias bombs
 * and giant values used to end as `error [INTERNAL]` with a stack, exit 70,
 * after seconds and gigabytes; the article case named no file.
 */

/** Nine levels of nine aliases: 9^9 strings once expanded, a few hundred bytes as written. */
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)];

let project: Project;

beforeEach(() => {
  project = makeProject({ articles: 'none' });
  project.write('articles/fine.md', '---\ntitle: Fine\ndate: 2025-08-20\ndescription: A fine story.\n---\nBody.\n');
});

afterEach(() => project.cleanup());

const validate = () => runCli(['validate'], { cwd: project.dir });
const config = () => readFileSync(project.configFile, 'utf8');
const withTitle = (title: string) => writeFileSync(project.configFile, config().replace(/^ {2}title: .*$/m, `  title: ${title}`));
const titleLine = () => config().split('\n').findIndex((l) => l.startsWith('  title: ')) + 1;

/** What to break, and the whole of what `validate` must say: exit 1, one error with its own code, never a stack. */
const CASES: [string, () => void, () => string][] = [
  [
    'a config alias bomb is YAML_ALIASES, at its line and field',
    () => writeFileSync(project.configFile, `${BOMB.join('\n')}\n${config()}`),
    () =>
      'error [YAML_ALIASES]: broadsheet.config.yaml uses YAML aliases that expand more than 100 times\n' +
      '  broadsheet.config.yaml:2: b[0]: aliases (*name) expand more than 100 times, which only an alias bomb needs; write the values out\n',
  ],
  [
    'a 10 MB site.title is INPUT_TOO_LARGE at once: the config file is never read',
    () => withTitle('x'.repeat(10 * 1024 * 1024)),
    () =>
      'error [INPUT_TOO_LARGE]: the config file broadsheet.config.yaml is larger than broadsheet accepts\n' +
      '  broadsheet.config.yaml: is 10.0 MiB, over the limit of 1 MiB; it holds settings only, never content\n',
  ],
  [
    'a config value over 10,000 characters is INPUT_TOO_LARGE, at its line and field',
    () => withTitle('x'.repeat(20_000)),
    () =>
      'error [INPUT_TOO_LARGE]: a value in broadsheet.config.yaml is larger than broadsheet accepts\n' +
      `  broadsheet.config.yaml:${titleLine()}: site.title: is 20,000 characters, over the limit of 10,000 characters; shorten it\n`,
  ],
  [
    'an alias bomb in front matter is YAML_ALIASES naming the file, line and field',
    () => project.write('articles/bomb.md', `---\ntitle: Bomb\n${BOMB.join('\n')}\n---\nBody.\n`),
    () =>
      'error [YAML_ALIASES]: articles/bomb.md uses YAML aliases that expand more than 100 times\n' +
      '  articles/bomb.md:4: b[0]: aliases (*name) expand more than 100 times, which only an alias bomb needs; write the values out\n',
  ],
  [
    'a title over 10,000 characters is INPUT_TOO_LARGE naming the file, line and field',
    () => project.write('articles/long.md', `---\ndate: 2025-08-20\ndescription: Long.\ntitle: ${'t'.repeat(12_345)}\n---\nBody.\n`),
    () =>
      'error [INPUT_TOO_LARGE]: a value in articles/long.md is larger than broadsheet accepts\n' +
      '  articles/long.md:4: title: is 12,345 characters, over the limit of 10,000 characters; shorten it\n',
  ],
  [
    'front matter over 64 KiB is INPUT_TOO_LARGE naming the file',
    () => {
      const tags = Array.from({ length: 7000 }, (_, i) => `  - tag-${i}`).join('\n');
      project.write('articles/tags.md', `---\ntitle: Tags\ndate: 2025-08-20\ndescription: Many tags.\ntags:\n${tags}\n---\nBody.\n`);
    },
    () =>
      'error [INPUT_TOO_LARGE]: the front matter of articles/tags.md is larger than broadsheet accepts\n' +
      '  articles/tags.md:2: is 87.8 KiB, over the limit of 64 KiB; keep it to its fields: long text belongs in the body\n',
  ],
  [
    'an article file over 4 MiB is INPUT_TOO_LARGE naming the file, and is never read',
    () => project.write('articles/huge.md', `---\ntitle: Huge\ndate: 2025-08-20\ndescription: Huge.\n---\n${'word '.repeat(1024 * 1024)}\n`),
    () =>
      'error [INPUT_TOO_LARGE]: the article articles/huge.md is larger than broadsheet accepts\n' +
      '  articles/huge.md: is 5.0 MiB, over the limit of 4 MiB; split it, or move what is not text out of it\n',
  ],
];

describe('hostile configuration and articles', () => {
  it.each(CASES)('%s', async (_name, breakIt, expected) => {
    breakIt();
    const r = await validate();
    expect(r.stderr).toBe(expected());
    expect(r.code).toBe(1);
  });

  it('an article just under every limit is valid', async () => {
    // Served by broadsheet serve itself: no warning about where the unsubscribe links point.
    project.configure((c) => (c.server.publicUrl = c.site.url));
    project.write('articles/fine-too.md', `---\ntitle: ${'t'.repeat(10_000)}\ndate: 2025-08-20\ndescription: Fine.\n---\n${'word '.repeat(700_000)}\n`);
    const r = await validate();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
