import type { Problem } from '../errors.js';
import type { Stage1Html } from './templates.js';
import { templateError } from './templates.js';

type Mjml2Html = typeof import('mjml');

let loading: Promise<Mjml2Html> | undefined;

/** MJML takes about half a second to import: only commands that render a digest pay for it. */
export function loadMjml(): Promise<Mjml2Html> {
  loading ??= import('mjml').then((m) => m.default);
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
export async function mjmlToHtml(stage1: Stage1Html): Promise<string> {
  const include = /<mj-include\b/.exec(stage1.mjml);
  if (include) {
    const line = stage1.mjml.slice(0, include.index).split('\n').length;
    throw templateError([{ ...stage1.where(line), message: 'mj-include is not supported: put the markup in partials/<name>.mjml and use {{> name}}' }]);
  }
  const mjml2html = await loadMjml();
  try {
    const result = await mjml2html(stage1.mjml, {
      validationLevel: 'strict',
      keepComments: false,
      // Partials are Handlebars partials (partials/*.mjml), which see the data; mj-include would not.
      ignoreIncludes: true,
      fonts: {},
    });
    return result.html;
  } catch (cause) {
    const issues = (cause as { errors?: MjmlIssue[] }).errors;
    const problems: Problem[] = Array.isArray(issues)
      ? issues.map((issue) => {
          const at = issue.line !== undefined ? stage1.where(issue.line) : stage1.where(1);
          const tag = issue.tagName ? `<${issue.tagName}>: ` : '';
          return { ...at, message: `MJML: ${tag}${issue.message ?? 'invalid markup'}` };
        })
      : [{ file: stage1.where(1).file, message: `MJML could not render the template: ${(cause as Error).message}` }];
    throw templateError(problems, cause);
  }
}
