import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { loadSite } from '../content/load.js';
import type { Site } from '../content/model.js';
import type { DigestFiles } from '../email/digest-files.js';
import { startDigestThread, type DigestThread } from '../email/digest-thread.js';
import type { Problem } from '../errors.js';
import { imageFiles, renderFeeds } from '../feeds/index.js';
import { formSnippet, FORM_SNIPPET_FILE } from '../list/form.js';
import { staleFiles, writeOutputs, type OutputFile } from '../output/files.js';
import { orphans, readManifest, removeOrphans, writeManifest } from '../output/manifest.js';
import { archiveFiles, archiveKeptWarning, isArchivePath, readArchiveMark } from './issue-archive.js';
import { nextIssue, type IssuePlan } from './next-issue.js';
import type { IssueHistory } from './ports.js';

/** Which issue digest.* shows: the next one `send` would create, the one it would resume, or (nothing new) the latest. */
export type DigestPreview = { issue: number; kind: 'next' | 'resume' | 'latest' } | undefined;

export interface Rendered {
  site: Site;
  files: OutputFile[];
  warnings: Problem[];
  /** Undefined when digest.enabled is false, or no article can lead an issue. */
  digest: DigestPreview;
  /**
   * The output folder's issue archive records a later issue than the history
   * knows (the data folder is missing or older): the archive is left as it is.
   */
  archiveKept: boolean;
}

/** The issue digest.* shows, and its files: the same issue the next `send` works on (pipeline/next-issue.ts). */
async function digestPreview(config: Config, plan: IssuePlan, thread: DigestThread | undefined): Promise<{ preview: DigestPreview; files: DigestFiles }> {
  const email = await import('../email/digest-files.js');
  if (plan.kind === 'new') {
    const { content } = plan;
    // MJML runs on the second thread when there is one, while this one renders the feeds.
    const files = thread
      ? await thread.render(config, content, content.lead.date)
      : await email.renderDigestFiles(config, await (await import('../email/digest.js')).renderDigest(config, content), { number: content.number, date: content.lead.date });
    return { preview: { issue: content.number, kind: 'next' }, files };
  }
  const stored = plan.kind === 'resume' ? plan.issue : plan.latest;
  if (!stored) return { preview: undefined, files: { files: [], warnings: [email.noDigestWarning(config)] } };
  const files = await email.renderDigestFiles(config, stored, { number: stored.number, date: stored.createdAt });
  return { preview: { issue: stored.number, kind: plan.kind === 'resume' ? 'resume' : 'latest' }, files };
}

/**
 * Everything a build produces, in memory. Nothing is written until every
 * stage has succeeded, so bad content leaves the output folder as it was.
 * `history` is the data folder's store, when there is one: digest.* then
 * shows the next issue as `send` would create it.
 */
export async function renderAll(config: Config, clock: Clock, history?: IssueHistory): Promise<Rendered> {
  const enabled = config.digest.enabled;
  // The digest's renderer (MJML takes about 400 ms to import) starts on a
  // second thread now, loads while the content does, and renders while the
  // feeds do.
  const thread = enabled ? startDigestThread() : undefined;
  try {
    const site = await loadSite(config, clock);
    const digesting = enabled ? nextIssue(site, history).then((plan) => digestPreview(config, plan, thread)) : Promise.resolve(undefined);
    digesting.catch(() => {}); // awaited below, after the feeds
    const archiving = Promise.all([archiveFiles(config, history), readArchiveMark(config.paths.output)]);
    archiving.catch(() => {});
    const feeds = renderFeeds(site);
    const images = await imageFiles(site);
    const digest = await digesting;
    const [archive, mark] = await archiving;
    const archiveKept = mark !== undefined && mark > archive.latest;
    return {
      site,
      // The subscribe form's snippet, for other pages of the site; a site without a digest has no list to join.
      files: [...feeds, ...images, ...(enabled ? [{ path: FORM_SNIPPET_FILE, content: formSnippet(config) }] : []), ...(digest?.files.files ?? []), ...(archiveKept ? [] : archive.files)],
      warnings: [...site.warnings, ...(digest?.files.warnings ?? []), ...(archiveKept ? [archiveKeptWarning(config, mark, archive.latest)] : [])],
      digest: digest?.preview,
      archiveKept,
    };
  } finally {
    await thread?.close();
  }
}

/**
 * What the manifest lists after this build: the files it rendered, and the
 * archive it left alone when the history is behind it, so a later build with
 * the data folder restored still owns those files.
 */
function owned(rendered: Rendered, previous: readonly string[]): string[] {
  const paths = rendered.files.map((f) => f.path);
  return rendered.archiveKept ? [...paths, ...previous.filter(isArchivePath)] : paths;
}

export interface BuildReport extends Rendered {
  written: string[];
  unchanged: string[];
  /** Files an earlier build wrote that this one no longer produces. */
  removed: string[];
}

export async function build(config: Config, clock: Clock, history?: IssueHistory): Promise<BuildReport> {
  const rendered = await renderAll(config, clock, history);
  const dir = config.paths.output;
  const previous = await readManifest(dir);
  const report = await writeOutputs(dir, rendered.files);
  const paths = owned(rendered, previous);
  const removed = await removeOrphans(dir, orphans(previous, paths));
  await writeManifest(dir, paths);
  return { ...rendered, ...report, removed };
}

export interface StaleFile {
  path: string;
  reason: 'out of date' | 'no longer produced';
}

/** The files under the output folder that differ from what a build would write now, or that it would remove. */
export async function checkBuild(config: Config, clock: Clock, history?: IssueHistory): Promise<{ rendered: Rendered; stale: StaleFile[] }> {
  const rendered = await renderAll(config, clock, history);
  const dir = config.paths.output;
  const changed = await staleFiles(dir, rendered.files);
  const previous = await readManifest(dir);
  const gone = orphans(previous, owned(rendered, previous));
  const existing = gone.filter((p) => existsSync(path.join(dir, p)));
  return {
    rendered,
    stale: [...changed.map((p) => ({ path: p, reason: 'out of date' as const })), ...existing.map((p) => ({ path: p, reason: 'no longer produced' as const }))],
  };
}
