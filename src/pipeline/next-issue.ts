import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Entry, Site } from '../content/model.js';
import type { NewIssue, StoredIssue } from '../delivery/model.js';
import type { DigestContent } from '../email/digest.js';
import { oneLine } from '../util/text.js';
import { readEditorNote, type EditorNote } from './editor-note.js';
import type { IssueHistory } from './ports.js';

/**
 * What the next run of the digest works on:
 * - `resume`: the latest issue is not finished (some delivery has no final
 *   state); it is sent before anything new, so nobody gets half of one issue
 *   and half of the next;
 * - `new`: the next issue, built from articles no issue has covered yet;
 * - `nothing-new`: every published article is covered.
 */
export type IssuePlan =
  | { kind: 'resume'; issue: StoredIssue }
  | { kind: 'new'; content: DigestContent; covered: string[]; notes: PlanNotes; editorNote?: EditorNote }
  | { kind: 'nothing-new'; latest?: StoredIssue };

/** What a new issue leaves out, so that the run can say so: nothing is dropped without a word. */
export interface PlanNotes {
  /** First issue under digest.firstIssue: latest: older articles marked covered without being mailed. */
  history: string[];
  /** digest.overflow: carry-over: new articles left for the next issue. */
  carriedOver: string[];
}

export interface HistoryState {
  latest?: StoredIssue;
  covered: ReadonlySet<string>;
}

/**
 * The one rule for what the next issue carries. `build` (digest.* on disk),
 * `send`, `send --dry-run`, `send --to`, the scheduler's tick and `validate`
 * all come here, so the preview is the issue that will be sent.
 *
 * The fresh articles are the published ones no issue has covered, newest
 * first. The newest leads; its related entries follow as cards, then the
 * other fresh articles, up to digest.maxTeasers cards. Fresh articles that
 * do not fit are listed under "Also new" or carried over to the next issue
 * (digest.overflow). The first issue, under digest.firstIssue: latest (the
 * default), carries only the newest article and its related entries and
 * marks the rest of the back catalogue covered.
 */
export function planNextIssue(site: Site, history: HistoryState, editorNote?: EditorNote): IssuePlan {
  const { latest, covered } = history;
  if (latest && !latest.sentAt) return { kind: 'resume', issue: latest };
  const digest = site.config.digest;
  const articles = site.entries.filter((e) => e.kind === 'article');
  const fresh = articles.filter((e) => !covered.has(e.slug));
  const lead = fresh[0];
  if (!lead) return latest ? { kind: 'nothing-new', latest } : { kind: 'nothing-new' };

  const firstLatestOnly = latest === undefined && digest.firstIssue === 'latest';
  const related = lead.related.map((slug) => site.bySlug.get(slug)).filter((e): e is Entry => e !== undefined && e.slug !== lead.slug);
  const candidates = firstLatestOnly ? related : [...related, ...fresh.slice(1)];
  const cards: Entry[] = [];
  const shown = new Set([lead.slug]);
  for (const e of candidates) {
    if (cards.length >= digest.maxTeasers) break;
    if (shown.has(e.slug)) continue;
    shown.add(e.slug);
    cards.push(e);
  }
  const left = fresh.filter((e) => !shown.has(e.slug));
  const notes: PlanNotes = { history: [], carriedOver: [] };
  let alsoNew: Entry[] = [];
  if (firstLatestOnly) notes.history = left.map((e) => e.slug);
  else if (digest.overflow === 'also-new') alsoNew = left;
  else notes.carriedOver = left.map((e) => e.slug);

  const carried = new Set(notes.carriedOver);
  const number = (latest?.number ?? 0) + 1;
  return {
    kind: 'new',
    content: { number, lead, cards, alsoNew, ...(editorNote ? { note: { html: editorNote.html, text: editorNote.text } } : {}) },
    ...(editorNote ? { editorNote } : {}),
    // Shown entries (teasers included) and every fresh article not carried over.
    covered: [...new Set([...shown, ...alsoNew.map((e) => e.slug), ...fresh.filter((e) => !carried.has(e.slug)).map((e) => e.slug)])],
    notes,
  };
}

/** planNextIssue against a store's history; without one (no data folder yet), the first issue. */
export async function nextIssue(site: Site, history: IssueHistory | undefined): Promise<IssuePlan> {
  const note = await readEditorNote(site.config);
  if (!history) return planNextIssue(site, { covered: new Set() }, note);
  const [latest, covered] = await Promise.all([history.latestIssue(), history.coveredSlugs()]);
  return planNextIssue(site, latest ? { latest, covered } : { covered }, note);
}

/** Renders a new issue (MJML runs here, once for all recipients). Subject and preheader are made header-safe. */
export async function renderIssue(config: Config, plan: Extract<IssuePlan, { kind: 'new' }>, clock: Clock): Promise<NewIssue> {
  // Handlebars and MJML are loaded only to render: a build's digest.* may come from the build cache.
  const { renderDigest } = await import('../email/digest.js');
  const rendered = await renderDigest(config, plan.content);
  const { lead, cards, alsoNew } = plan.content;
  return {
    number: plan.content.number,
    subject: oneLine(rendered.subject),
    preheader: oneLine(rendered.preheader),
    html: rendered.html,
    text: rendered.text,
    entrySlugs: [lead.slug, ...cards.map((e) => e.slug), ...alsoNew.map((e) => e.slug)],
    covered: plan.covered,
    createdAt: clock.now(),
  };
}
