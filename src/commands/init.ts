import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.js';
import { httpUrl } from '../config/schema.js';
import { STARTER_ARTICLE, starterArticle, starterConfig } from '../config/starter.js';
import { defaultTemplateFiles, SITE_TEMPLATES_DIR } from '../email/templates-dir.js';
import { BroadsheetError } from '../errors.js';
import { createFiles, type OutputFile } from '../output/files.js';
import type { Command, CommandContext } from './types.js';

const EXAMPLE_URL = 'https://example.com/';

/** A flag's value, else the person's answer on a terminal, else the fallback. */
async function setting(ctx: CommandContext, flag: string, question: string, fallback: string): Promise<string> {
  const given = ctx.options[flag] as string | undefined;
  if (given !== undefined) return given;
  return ctx.ask ? ctx.ask(question, fallback) : fallback;
}

/** Creates the files, or none of them: `init` never overwrites. */
async function create(ctx: CommandContext, root: string, files: OutputFile[]): Promise<void> {
  const { existing } = await createFiles(root, files);
  const shown = (p: string) => path.relative(process.cwd(), path.join(root, p)) || p;
  if (existing.length > 0) {
    throw new BroadsheetError('INIT_REFUSED', `${existing.length} file(s) already exist; init never overwrites: move them away or edit them instead`, {
      problems: existing.map((p) => ({ file: shown(p), message: 'exists' })),
    });
  }
  for (const f of files) ctx.print(`created ${shown(f.path)}`);
}

async function initSite(ctx: CommandContext, root: string): Promise<void> {
  const title = (await setting(ctx, 'title', 'Site title', path.basename(root))).trim();
  if (title === '') throw new BroadsheetError('USAGE', '--title must not be empty');
  const rawUrl = (await setting(ctx, 'url', 'Site URL', EXAMPLE_URL)).trim();
  const url = httpUrl.safeParse(rawUrl);
  if (!url.success) throw new BroadsheetError('USAGE', `--url must be an absolute http(s) URL such as ${EXAMPLE_URL}, not "${rawUrl}"`);
  const site = { title, url: url.data, date: ctx.clock.now() };
  await create(ctx, root, [
    { path: path.relative(root, ctx.configFile).split(path.sep).join('/'), content: starterConfig(site) },
    { path: STARTER_ARTICLE, content: starterArticle(site) },
  ]);
  if (url.data === EXAMPLE_URL) ctx.print(`site.url is ${EXAMPLE_URL}: set it to your site's address in ${path.basename(ctx.configFile)}`);
  ctx.print('next: npx broadsheet build   (the feeds and a digest preview, in output/)');
}

/** Copies the default templates to where the site's own are read from (email/templates.ts templatesDir). */
async function copyTemplates(ctx: CommandContext, root: string): Promise<void> {
  // A config that names its own folder (digest.templates) gets the copies there.
  const config = existsSync(ctx.configFile) ? await loadConfig(ctx.configFile) : undefined;
  const dir = config?.paths.templates ?? path.join(root, SITE_TEMPLATES_DIR);
  const files = (await defaultTemplateFiles()).map((f) => ({ path: path.relative(root, path.join(dir, f.path)).split(path.sep).join('/'), content: f.content }));
  await create(ctx, root, files);
  ctx.print(`the digest now uses the templates in ${path.relative(process.cwd(), dir) || '.'}/`);
}

export const initCommand: Command = {
  name: 'init',
  summary: 'start a site here: a commented config and one example article',
  usage: ['init [--title <title>] [--url <url>]', 'init --templates'],
  help: [
    '  --title <title>  the site title (default: asked on a terminal, else the folder name)',
    `  --url <url>      the site's public address (default: asked on a terminal, else ${EXAMPLE_URL})`,
    `  --templates      copy the default email templates into ${SITE_TEMPLATES_DIR}/ to edit them, and nothing else`,
    '',
    `Writes ${DEFAULT_CONFIG_FILE} (or the --config file) and ${STARTER_ARTICLE}, and nothing else. Never`,
    'overwrites: when any of its files exists, it writes nothing and exits 1. Asks nothing when stdin is',
    'not a terminal.',
  ].join('\n'),
  options: { title: { type: 'string' }, url: { type: 'string' }, templates: { type: 'boolean' } },
  args: [],
  async run(ctx) {
    const root = path.dirname(ctx.configFile);
    if (ctx.options.templates) {
      if (ctx.options.title !== undefined || ctx.options.url !== undefined) throw new BroadsheetError('USAGE', '--templates copies the templates only; run init without it for --title and --url');
      await copyTemplates(ctx, root);
    } else {
      await initSite(ctx, root);
    }
    return 0;
  },
};
