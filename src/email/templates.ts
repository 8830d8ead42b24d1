import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type Handlebars from 'handlebars';
import type { Config } from '../config/load.js';
import { BroadsheetError, type Problem } from '../errors.js';
import { requireBundled } from '../util/bundled.js';
import { ifClose, ifOpen, isRecipientField, placeholder, RECIPIENT_FIELDS, stripMarks, takeLineMarks, withLineMarks } from './placeholders.js';
import { DEFAULT_TEMPLATES, templatesDir } from './templates-dir.js';
import { wrap } from './text.js';

/** A new Handlebars environment, with none of another's helpers or partials. */
export const newHandlebars = (): typeof Handlebars => requireBundled<typeof Handlebars>('handlebars').create();

/** Files under the templates folder: the two main templates of each mail, and partials named by their file. */
export const HTML_TEMPLATE = 'digest.mjml';
export const TEXT_TEMPLATE = 'digest.txt.hbs';

/** The HTML and text templates of one kind of mail: the digest, or the confirmation mail. */
export interface TemplateNames {
  html: string;
  text: string;
}

export const DIGEST_TEMPLATES: TemplateNames = { html: HTML_TEMPLATE, text: TEXT_TEMPLATE };
export const CONFIRM_TEMPLATES: TemplateNames = { html: 'confirm.mjml', text: 'confirm.txt.hbs' };
const PARTIALS_DIR = 'partials';
const HTML_PARTIAL = '.mjml';
const TEXT_PARTIAL = '.txt.hbs';

export { DEFAULT_TEMPLATES, defaultTemplateFiles, SITE_TEMPLATES_DIR, templatesDir } from './templates-dir.js';

/** A template error, with the file it happened in (relative to the project root) and the line. */
class TemplateFailure extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function templateError(problems: Problem[], cause?: unknown): BroadsheetError {
  const first = problems[0];
  const where = first ? (first.line !== undefined ? `${first.file}:${first.line}` : first.file) : 'email template';
  const more = problems.length > 1 ? ` (${problems.length} problems)` : '';
  return new BroadsheetError('TEMPLATE_INVALID', `email template ${where} is invalid${more}`, { cause, problems });
}

/** Handlebars' messages, without its internal wording ("in [object Object]") or our marks. */
function handlebarsMessage(e: unknown): { message: string; line?: number } {
  const err = e as { message?: string; lineNumber?: number };
  const text = stripMarks(String(err.message ?? e));
  const parse = /^Parse error on line (\d+):[\s\S]*\n(.*)$/.exec(text);
  if (parse) return { line: Number(parse[1]), message: `Handlebars syntax error: ${parse[2]}` };
  const message = text.replace(/ in \[object Object\]/, '').replace(/ - \d+:\d+$/, '');
  return err.lineNumber === undefined ? { message } : { line: err.lineNumber, message };
}

function fail(file: string, e: unknown): never {
  if (e instanceof TemplateFailure) throw e;
  const { message, line } = handlebarsMessage(e);
  throw new TemplateFailure(file, line, message);
}

type Render = (context: unknown, options?: Handlebars.RuntimeOptions) => string;

/** Compiles now (Handlebars compiles lazily) so syntax errors name their file; runtime errors are tagged with it too. */
function compile(hb: typeof Handlebars, file: string, source: string, options: CompileOptions): Render {
  let template: Handlebars.TemplateDelegate;
  try {
    template = hb.compile(hb.parse(source), { strict: true, ...options });
  } catch (e) {
    const { message, line } = handlebarsMessage(e);
    throw templateError([{ file, ...(line === undefined ? {} : { line }), message }], e);
  }
  return (context, runtime) => {
    try {
      return template(context, runtime);
    } catch (e) {
      fail(file, e);
    }
  };
}

type CompileOptions = Parameters<typeof Handlebars.compile>[1];

/** Numbers the placeholders of one render; reset before each. */
interface Counter {
  next: number;
}

function helpers(hb: typeof Handlebars, counter: Counter): void {
  const field = (name: unknown): (typeof RECIPIENT_FIELDS)[number] => {
    if (!isRecipientField(name)) throw new Error(`unknown recipient field ${JSON.stringify(name)}; use one of ${RECIPIENT_FIELDS.join(', ')}`);
    return name;
  };
  // Per-recipient values are not known in stage 1: write a placeholder that personalize() fills.
  hb.registerHelper('recipient', (name: unknown) => new hb.SafeString(placeholder(field(name), counter.next++)));
  hb.registerHelper('ifRecipient', function (this: unknown, name: unknown, options: Handlebars.HelperOptions) {
    const id = counter.next++;
    return new hb.SafeString(ifOpen(field(name), id) + options.fn(this) + ifClose(id));
  });
  hb.registerHelper('wrap', (text: unknown, width: unknown) => wrap(String(text ?? ''), typeof width === 'number' ? width : 72));
  // A heading underline as long as the heading's longest wrapped line.
  hb.registerHelper('rule', (text: unknown, char: unknown) => {
    const longest = Math.max(...wrap(String(text ?? '')).split('\n').map((l) => l.length));
    return (typeof char === 'string' && char !== '' ? char : '-').repeat(longest);
  });
}

async function readTemplate(dir: string, config: Config, rel: string): Promise<{ shown: string; source: string }> {
  const full = path.join(dir, rel);
  const shown = path.relative(config.paths.root, full).split(path.sep).join('/');
  try {
    return { shown, source: await readFile(full, 'utf8') };
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw templateError([{ file: shown, message: missing ? 'template not found' : `cannot read the template: ${(cause as Error).message}` }], cause);
  }
}

async function partialNames(dir: string, suffix: string): Promise<string[]> {
  try {
    const names = await readdir(path.join(dir, PARTIALS_DIR));
    return names.filter((n) => n.endsWith(suffix) && !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

export interface Stage1Html {
  /** MJML with data filled in and recipient placeholders left. */
  mjml: string;
  /** `email-templates/partials/card.mjml:12`: where line `n` of `mjml` came from. */
  where(line: number): { file: string; line?: number };
}

export interface DigestTemplates {
  html(view: object): Stage1Html;
  text(view: object): string;
}

/**
 * Reads and compiles the digest templates. Handlebars fills in the data
 * (escaped for HTML in the MJML, as is in the text); the `recipient` and
 * `ifRecipient` helpers leave per-recipient placeholders for personalize().
 */
export async function loadTemplates(config: Config, names: TemplateNames = DIGEST_TEMPLATES): Promise<DigestTemplates> {
  const htmlEnv = newHandlebars();
  const textEnv = newHandlebars();
  const counter: Counter = { next: 0 };
  helpers(htmlEnv, counter);
  helpers(textEnv, counter);

  const dir = templatesDir(config);
  const htmlFiles: string[] = [];
  const load = async (env: typeof Handlebars, rel: string, options: CompileOptions, marked: boolean): Promise<Render> => {
    const { shown, source } = await readTemplate(dir, config, rel);
    if (marked) htmlFiles.push(shown);
    return compile(env, shown, marked ? withLineMarks(source, htmlFiles.length - 1) : source, options);
  };
  const registerPartials = async (env: typeof Handlebars, suffix: string, options: CompileOptions, marked: boolean) => {
    for (const name of await partialNames(dir, suffix)) {
      const render = await load(env, `${PARTIALS_DIR}/${name}`, options, marked);
      env.registerPartial(name.slice(0, -suffix.length), render as unknown as Handlebars.Template);
    }
  };

  const html = await load(htmlEnv, names.html, {}, true);
  await registerPartials(htmlEnv, HTML_PARTIAL, {}, true);
  const text = await load(textEnv, names.text, { noEscape: true }, false);
  await registerPartials(textEnv, TEXT_PARTIAL, { noEscape: true }, false);

  const guarded = <T>(run: () => T): T => {
    counter.next = 0;
    try {
      return run();
    } catch (e) {
      if (!(e instanceof TemplateFailure)) throw e;
      throw templateError([{ file: e.file, ...(e.line === undefined ? {} : { line: e.line }), message: e.message }], e);
    }
  };

  return {
    html(view) {
      const marked = guarded(() => html(view));
      const { text: mjml, originOf } = takeLineMarks(marked);
      return {
        mjml,
        where(line) {
          const origin = originOf(line);
          const file = (origin && htmlFiles[origin.file]) ?? htmlFiles[0]!;
          return origin ? { file, line: origin.line } : { file };
        },
      };
    },
    text: (view) => guarded(() => text(view)),
  };
}

const CONFIG_TEMPLATES = {
  'digest.subject': (config: Config) => config.digest.subject,
  'digest.preheader': (config: Config) => config.digest.preheader,
  'list.confirmSubject': (config: Config) => config.list.confirmSubject,
};

/**
 * A one-line template from the config (the subject, the preheader), rendered
 * as plain text. Errors name the config file and field.
 */
export function renderConfigTemplate(config: Config, field: keyof typeof CONFIG_TEMPLATES, view: object): string {
  const file = path.relative(config.paths.root, config.file).split(path.sep).join('/') || config.file;
  try {
    return newHandlebars().compile(CONFIG_TEMPLATES[field](config), { noEscape: true, strict: true })(view);
  } catch (e) {
    throw templateError([{ file, field, message: handlebarsMessage(e).message }], e);
  }
}
