import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Entry, Site } from '../content/model.js';
import { renderDigest, type DigestContent } from '../email/digest.js';
import { oneLine } from './address.js';
import type { IssueForMail } from './messages.js';
import type { NewIssue, StoredIssue, Store } from './store.js';

/** What a run works on: an unfinished stored issue, or the next one built from new articles. */
export type IssuePlan =
  | { kind: 'resume'; issue: StoredIssue }
  | { kind: 'new'; number: number; content: DigestContent; covered: string[] }
  | { kind: 'nothing-new'; latest?: StoredIssue };

/**
 * An issue is finished when every delivery has reached a final state; until
 * then it is resumed, so that nobody gets half of one issue and half of the
 * next. Otherwise the next issue carries the articles no issue has covered
 * yet: the newest leads, its related teasers and the other new articles
 * follow as cards. The first issue covers every article published so far.
 */
export function planIssue(store: Store, site: Site): IssuePlan {
  const latest = store.latestIssue();
  if (latest && !latest.sentAt) return { kind: 'resume', issue: latest };
  const covered = store.coveredSlugs();
  const fresh = site.entries.filter((e) => e.kind === 'article' && !covered.has(e.slug));
  const lead = fresh[0];
  if (!lead) return latest ? { kind: 'nothing-new', latest } : { kind: 'nothing-new' };
  const cards: Entry[] = [];
  const seen = new Set([lead.slug]);
  const related = lead.related.map((slug) => site.bySlug.get(slug)).filter((e): e is Entry => e !== undefined);
  for (const e of [...related, ...fresh.slice(1)]) {
    if (cards.length >= site.config.digest.maxTeasers) break;
    if (seen.has(e.slug)) continue;
    seen.add(e.slug);
    cards.push(e);
  }
  const number = (latest?.number ?? 0) + 1;
  return { kind: 'new', number, content: { number, lead, cards }, covered: fresh.map((e) => e.slug) };
}

/** Renders a new issue (MJML runs here, once for all recipients). Subject and preheader are made header-safe. */
export async function renderIssue(config: Config, plan: Extract<IssuePlan, { kind: 'new' }>, clock: Clock): Promise<NewIssue & IssueForMail> {
  const rendered = await renderDigest(config, plan.content);
  return {
    number: plan.number,
    subject: oneLine(rendered.subject),
    preheader: oneLine(rendered.preheader),
    html: rendered.html,
    text: rendered.text,
    entrySlugs: [plan.content.lead.slug, ...plan.content.cards.map((e) => e.slug)],
    covered: plan.covered,
    createdAt: clock.now(),
  };
}
