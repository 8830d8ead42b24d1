import { createHash } from 'node:crypto';
import type { Problem } from '../errors.js';
import { requireBundled } from '../util/bundled.js';
import type { MjmlCache } from './mjml-cache.js';
import { firstLostPlaceholder } from './placeholders.js';
import type { Stage1Html } from './templates.js';
import { templateError } from './templates.js';

type Mjml2Html = typeof import('mjml');

let loading: Promise<Mjml2Html> | undefined;

/**
 * MJML takes about 300 ms to import as a package, 60 ms as broadsheet's
 * bundle (util/bundled.ts); either way only commands that render a digest pay for it.
 */
export function loadMjml(): Promise<Mjml2Html> {
  loading ??= Promise.resolve().then(() => requireBundled<Mjml2Html>('mjml'));
  return loading;
}

interface MjmlIssue {
  line?: number;
  message?: string;
  tagName?: string;
}

/**
 * Runs MJML once, with strict validation: any error stops the render and is
 * reported at the template file and line the offending markup came from.
 */
export const MJML_OPTIONS = {
  validationLevel: 'strict',
  keepComments: false,
  // Partials are Handlebars partials (partials/*.mjml), which see the data; mj-include would not.
  ignoreIncludes: true,
  fonts: {},
} as const;

export async function mjmlToHtml(stage1: Stage1Html, cache?: MjmlCache): Promise<string> {
  const include = /<mj-include\b/.exec(stage1.mjml);
  if (include) {
    throw templateError([{ ...stage1.where(lineAt(stage1.mjml, include.index)), message: 'mj-include is not supported: put the markup in partials/<name>.mjml and use {{> name}}' }]);
  }
  // Only output that passed every check below is ever cached.
  const cached = cache?.get(stage1.mjml);
  if (cached !== undefined) return cached;
  const mjml2html = await loadMjml();
  let html: string;
  try {
    const result = await withIdsFrom(stage1.mjml, () => mjml2html(stage1.mjml, { ...MJML_OPTIONS, fonts: {} }));
    html = result.html;
  } catch (cause) {
    const issues = (cause as { errors?: MjmlIssue[] }).errors;
    const problems: Problem[] = Array.isArray(issues)
      ? issues.map((issue) => {
          const at = issue.line !== undefined ? stage1.where(issue.line) : stage1.where(1);
          const tag = issue.tagName ? `<${issue.tagName}>: ` : '';
          return { ...at, message: `MJML: ${tag}${issue.message ?? 'invalid markup'}` };
        })
      : [{ file: stage1.where(1).file, message: `MJML could not render the template: ${(cause as Error).message}` }];
    // A mistake in a partial repeats once per card: report each place once.
    const unique = new Map(problems.map((p) => [`${p.file}:${p.line}:${p.message}`, p]));
    throw templateError([...unique.values()], cause);
  }
  const lost = firstLostPlaceholder(stage1.mjml, html);
  if (lost !== undefined) {
    throw templateError([
      { ...stage1.where(lineAt(stage1.mjml, lost)), message: 'MJML dropped a recipient placeholder: put {{recipient …}} and {{#ifRecipient …}} inside an element’s content (mj-text, mj-button) or an attribute, not between elements' },
    ]);
  }
  await cache?.set(stage1.mjml, html);
  return html;
}

/**
 * Runs `render` with Math.random drawing from a generator seeded by `input`.
 * MJML names the parts of a carousel and a navbar's hamburger menu with
 * random hex ids (mjml-core's genRandomHexString, Math.random): left alone,
 * a template using them would give another digest.html on every build, and
 * a build without the cache would differ from one with it. MJML 5 renders
 * synchronously, before the promise it returns (only minifying, which
 * broadsheet does not ask for, awaits), so Math.random is restored before
 * any other code of this thread runs. The same input gets the same ids.
 */
export function withIdsFrom<T>(input: string, render: () => T): T {
  const seed = createHash('sha256').update(input).digest();
  let a = seed.readUInt32LE(0);
  let b = seed.readUInt32LE(4);
  let c = seed.readUInt32LE(8);
  let d = seed.readUInt32LE(12);
  // sfc32: a small generator with a 128-bit state; these ids need spread, not secrecy.
  const seeded = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const random = Math.random;
  Math.random = seeded;
  try {
    return render();
  } finally {
    Math.random = random;
  }
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;
