import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { renderDigest } from '../../src/email/digest.js';
import { BroadsheetError } from '../../src/errors.js';
import { firstIssueContent } from '../helpers/digest.js';
import { exampleConfig, exampleSite, makeProject, REPO, type Project, type ProjectOptions } from '../helpers/project.js';

/** The example site in a project with a copy of the templates, edited as given. */
const edited = (templates: NonNullable<ProjectOptions['templates']>) => makeProject({ templates });

/** The error rendering the first issue fails with. */
async function failure(site: Project | Config): Promise<BroadsheetError> {
  const config = 'loadConfig' in site ? await site.loadConfig() : site;
  const content = firstIssueContent(await exampleSite(config));
  try {
    await renderDigest(config, content);
  } catch (e) {
    expect(e).toBeInstanceOf(BroadsheetError);
    return e as BroadsheetError;
  }
  throw new Error('expected TEMPLATE_INVALID, but the digest rendered');
}

/** 1-based line of the first line of `file` (under email-templates/) containing `needle`. */
function lineOf(file: string, needle: string): number {
  const lines = readFileSync(path.join(REPO, 'email-templates', file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  return i + 1;
}

/** A template as errors name it: relative to the config file's folder. */
const shown = (rel: string) => `email-templates/${rel}`;

describe('template errors are TEMPLATE_INVALID, naming the file and line', () => {
  it('a Handlebars syntax error in a partial', async () => {
    const line = lineOf('partials/card.mjml', '<p style="margin:0 0 8px;">{{description}}</p>');
    const project = edited({ 'partials/card.mjml': (s) => s.replace('{{description}}', '{{#if description}}') });
    const e = await failure(project);
    expect(e.code).toBe('TEMPLATE_INVALID');
    expect(e.problems[0]!.file).toBe(shown('partials/card.mjml'));
    expect(e.problems[0]!.line).toBeGreaterThanOrEqual(line);
    expect(e.problems[0]!.message).toMatch(/^Handlebars syntax error/);
    expect(e.message).toMatch(/^email template .*partials\/card\.mjml:\d+ is invalid$/);
  });

  it('an MJML strict-validation error in a partial repeated for every card is reported once', async () => {
    const line = lineOf('partials/card.mjml', '<mj-text css-class="bs-text bs-card">');
    const project = edited({ 'partials/card.mjml': (s) => s.replace('<mj-text css-class="bs-text bs-card">', '<mj-text colour="red" css-class="bs-text bs-card">') });
    const e = await failure(project);
    expect(e.code).toBe('TEMPLATE_INVALID');
    expect(e.problems).toEqual([{ file: shown('partials/card.mjml'), line, message: 'MJML: <mj-text>: Attribute colour is illegal' }]);
  });

  it('an MJML error in digest.mjml after the partials and loops have expanded', async () => {
    const line = lineOf('digest.mjml', '{{> footer}}');
    const project = edited({ 'digest.mjml': (s) => s.replace('{{> footer}}', '<mj-txt>oops</mj-txt>') });
    const e = await failure(project);
    expect(e.problems).toEqual([{ file: shown('digest.mjml'), line, message: "MJML: <mj-txt>: Element mj-txt doesn't exist or is not registered" }]);
  });

  it('a misspelt field (templates compile in strict mode)', async () => {
    const line = lineOf('partials/footer.mjml', '{{feeds.rss}}');
    const project = edited({ 'partials/footer.mjml': (s) => s.replace('{{feeds.rss}}', '{{feeds.rs}}') });
    const e = await failure(project);
    expect(e.problems).toEqual([{ file: shown('partials/footer.mjml'), line, message: '"rs" not defined' }]);
  });

  it('an unknown recipient field', async () => {
    const project = edited({ 'partials/footer.mjml': (s) => s.replace('{{recipient "unsubscribeUrl"}}', '{{recipient "phone"}}') });
    const e = await failure(project);
    expect(e.problems[0]!.file).toBe(shown('partials/footer.mjml'));
    expect(e.problems[0]!.message).toBe('unknown recipient field "phone"; use one of name, email, unsubscribeUrl, viewUrl, manageUrl, reason, confirmUrl');
  });

  it('a recipient block between MJML elements, which MJML would drop', async () => {
    const project = edited({
      'partials/header.mjml': (s) => s.replace('{{dateline}}</mj-text>', '{{dateline}}</mj-text>\n    {{#ifRecipient "name"}}<mj-text>Hi</mj-text>{{/ifRecipient}}'),
    });
    const e = await failure(project);
    expect(e.problems[0]!.file).toBe(shown('partials/header.mjml'));
    expect(e.problems[0]!.line).toBe(lineOf('partials/header.mjml', '{{dateline}}</mj-text>') + 1);
    expect(e.problems[0]!.message).toMatch(/^MJML dropped a recipient placeholder/);
  });

  it('an error in the text template', async () => {
    const project = edited({ 'digest.txt.hbs': (s) => s.replace('{{wrap lead.title}}', '{{wrap lead.title}') });
    const e = await failure(project);
    expect(e.problems[0]!.file).toBe(shown('digest.txt.hbs'));
    expect(e.problems[0]!.line).toBe(lineOf('digest.txt.hbs', '{{wrap lead.title}}'));
  });

  it('a missing template', async () => {
    const project = edited({});
    rmSync(path.join(project.dir, 'email-templates', 'digest.mjml'));
    const e = await failure(project);
    expect(e.problems).toEqual([{ file: shown('digest.mjml'), message: 'template not found' }]);
  });

  it('mj-include, which would bypass Handlebars', async () => {
    const project = edited({ 'digest.mjml': (s) => s.replace('{{> footer}}', '<mj-include path="./partials/footer.mjml" />') });
    const e = await failure(project);
    expect(e.problems[0]!.line).toBe(lineOf('digest.mjml', '{{> footer}}'));
    expect(e.problems[0]!.message).toMatch(/^mj-include is not supported/);
  });

  it('a bad subject template names the config file and field', async () => {
    const e = await failure(
      await exampleConfig((c) => {
        c.digest.subject = '{{site.titel}}: {{lead.title}}';
      }),
    );
    expect(e.code).toBe('TEMPLATE_INVALID');
    expect(e.problems).toEqual([{ file: 'broadsheet.config.yaml', field: 'digest.subject', message: '"titel" not defined' }]);
  });
});
