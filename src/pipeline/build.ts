import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { openArticlePack } from '../content/cache.js';
import { listArticles, loadSite } from '../content/load.js';
import type { Site } from '../content/model.js';
import { cachedDigest, digestKey, openDigestPack, storeDigest, type DigestPack } from '../email/digest-cache.js';
import type { DigestFiles } from '../email/digest-files.js';
import { startDigestThread, type DigestThread } from '../email/digest-thread.js';
import { isBroadsheetError, type Problem } from '../errors.js';
import { imageFiles, openArchivePack, openFeedPack, renderFeeds, type OnDisk } from '../feeds/index.js';
import { knownOutputs } from '../output/known.js';
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

/** The files from the build cache's digest pack when they are there; else rendered, and kept there. */
async function cachedOr(config: Config, pack: DigestPack | undefined, input: unknown, render: () => Promise<DigestFiles>): Promise<DigestFiles> {
  const key = pack && digestKey(config, input);
  const kept = key === undefined ? undefined : cachedDigest(pack!, key);
  if (kept) return kept;
  const files = await render();
  if (key !== undefined) storeDigest(pack!, key, files);
  return files;
}

/**
 * The issue digest.* shows, and its files: the same issue the next `send`
 * works on (pipeline/next-issue.ts). `thread` gives the digest's thread
 * (started now if it was not), where MJML runs while this thread renders the
 * feeds; none where it cannot run.
 */
async function digestPreview(config: Config, plan: IssuePlan, thread: () => DigestThread | undefined, pack: DigestPack | undefined, readOnlyCache: boolean): Promise<{ preview: DigestPreview; files: DigestFiles }> {
  if (plan.kind === 'new') {
    const { content } = plan;
    const date = content.lead.date;
    const files = await cachedOr(config, pack, { issue: content, date }, async () => {
      const t = thread();
      return t ? t.render(config, content, date, readOnlyCache) : (await import('../email/digest-files.js')).renderIssueFiles(config, content, date, readOnlyCache);
    });
    return { preview: { issue: content.number, kind: 'next' }, files };
  }
  const email = await import('../email/digest-files.js');
  const stored = plan.kind === 'resume' ? plan.issue : plan.latest;
  if (!stored) return { preview: undefined, files: { files: [], warnings: [email.noDigestWarning(config)] } };
  const files = await cachedOr(config, pack, { stored, date: stored.createdAt }, () => email.renderDigestFiles(config, stored, { number: stored.number, date: stored.createdAt }));
  return { preview: { issue: stored.number, kind: plan.kind === 'resume' ? 'resume' : 'latest' }, files };
}

export interface RenderOptions {
  /**
   * Store what this run computed in the build cache (config.paths.cache) for
   * the next one: `build` does; `build --check` and `validate`, which write
   * nothing, only read it.
   */
  writeCache?: boolean;
  /** What the output folder already holds (output/known.ts): those documents are neither read from the cache nor rendered. */
  onDisk?: OnDisk;
}

/**
 * Everything a build produces, in memory. Nothing is written until every
 * stage has succeeded, so bad content leaves the output folder as it was.
 * `history` is the data folder's store, when there is one: digest.* then
 * shows the next issue as `send` would create it.
 *
 * What an earlier build computed for unchanged inputs comes from the build
 * cache (util/cache.ts) when the config has one: the same bytes either way.
 * A cache found damaged while it is read is dropped and the render starts
 * again without it (and writes a new one), with a warning that says so.
 */
export async function renderAll(config: Config, clock: Clock, history?: IssueHistory, options: RenderOptions = {}): Promise<Rendered> {
  try {
    return await renderOnce(config, clock, history, options, false);
  } catch (error) {
    if (!isBroadsheetError(error) || error.code !== 'CACHE_DAMAGED') throw error;
    const again = await renderOnce(config, clock, history, options, true);
    const cache = path.relative(config.paths.root, config.paths.cache!).split(path.sep).join('/');
    return { ...again, warnings: [{ file: cache, message: `${error.message}: this build did not use the cache` }, ...again.warnings] };
  }
}

async function renderOnce(config: Config, clock: Clock, history: IssueHistory | undefined, options: RenderOptions, fresh: boolean): Promise<Rendered> {
  const enabled = config.digest.enabled;
  const packOptions = { root: config.paths.root, fresh, readOnly: !options.writeCache };
  // The content folder is listed on libuv's threads while this one parses the articles' index.
  const listing = listArticles(config);
  const articles = openArticlePack(config, packOptions);
  const archivePack = openArchivePack(config.paths.cache, packOptions);
  const feedPack = openFeedPack(config.paths.cache, packOptions);
  const digestPack = enabled ? openDigestPack(config.paths.cache, packOptions) : undefined;
  const packs = [articles, archivePack, feedPack, digestPack].filter((p) => p !== undefined);
  // Kept even when the content has problems: the next build, after the fix, reads only the fixed files.
  const commit = () => packs.forEach((p) => p.commit());
  // The digest's renderer (MJML takes 60 ms to load from its bundle, 400 as a package) starts on a
  // second thread now, loads while the content does, and renders while the
  // feeds do; unless the build cache holds digests, when the digest is
  // likely there and needs no thread (one is started if it is not).
  let thread = enabled && !(digestPack && digestPack.size > 0) ? startDigestThread() : undefined;
  try {
    const site = await loadSite(config, clock, articles, listing);
    // The plan is awaited, and the digest asked of its thread, before the feeds: rendering them holds this
    // thread for a while, and a request still waiting in a promise chain would start only after them.
    const plan = enabled ? await nextIssue(site, history) : undefined;
    const digesting = plan ? digestPreview(config, plan, () => (thread ??= startDigestThread()), digestPack, !options.writeCache) : Promise.resolve(undefined);
    digesting.catch(() => {}); // awaited below, after the feeds
    const archiving = Promise.all([archiveFiles(config, history), readArchiveMark(config.paths.output)]);
    archiving.catch(() => {});
    const feeds = renderFeeds(site, { archive: archivePack, feeds: feedPack, ...(options.onDisk ? { onDisk: options.onDisk } : {}) });
    const images = await imageFiles(site);
    const digest = await digesting;
    const [archive, mark] = await archiving;
    const archiveKept = mark !== undefined && mark > archive.latest;
    commit();
    const notices = [...packs.flatMap((p) => p.notices), ...(digest?.files.notices ?? [])];
    return {
      site,
      // The subscribe form's snippet, for other pages of the site; a site without a digest has no list to join.
      files: [...feeds, ...images, ...(enabled ? [{ path: FORM_SNIPPET_FILE, content: formSnippet(config) }] : []), ...(digest?.files.files ?? []), ...(archiveKept ? [] : archive.files)],
      warnings: [...notices, ...site.warnings, ...(digest?.files.warnings ?? []), ...(archiveKept ? [archiveKeptWarning(config, mark, archive.latest)] : [])],
      digest: digest?.preview,
      archiveKept,
    };
  } catch (error) {
    if (isBroadsheetError(error) && error.code === 'CACHE_DAMAGED') packs.forEach((p) => p.discard());
    else {
      // Only the articles read so far are worth keeping: the other packs keep what a run used,
      // and a run stopped by bad content used none of them, so committing them would empty them.
      articles?.commit();
      for (const p of packs) if (p !== articles) p.discard();
    }
    throw error;
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
  const dir = config.paths.output;
  const known = knownOutputs(config.paths.cache, dir, config.paths.root);
  const rendered = await renderAll(config, clock, history, { writeCache: true, ...(known ? { onDisk: (p: string, id: string) => known.onDisk(p, id) } : {}) });
  const previous = await readManifest(dir);
  const report = await writeOutputs(dir, rendered.files);
  const paths = owned(rendered, previous);
  const removed = await removeOrphans(dir, orphans(previous, paths));
  await writeManifest(dir, paths);
  await known?.save(rendered.files);
  const warnings = known && known.notices.length > 0 ? [...known.notices, ...rendered.warnings] : rendered.warnings;
  return { ...rendered, warnings, ...report, removed };
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
