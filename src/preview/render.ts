import type { Clock } from '../clock.js';
import { loadConfig, type Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import { loadSite } from '../content/load.js';
import { createUnsubscribeToken } from '../delivery/tokens.js';
import { personalize, renderDigest, type Recipient } from '../email/digest.js';
import { isBroadsheetError, BroadsheetError } from '../errors.js';
import { imageFiles, renderFeeds } from '../feeds/index.js';
import { writeOutputs } from '../output/files.js';
import { nextIssue } from '../pipeline/next-issue.js';
import type { IssueHistory } from '../pipeline/ports.js';

/** The issue a preview shows, personalised for a sample reader. */
export interface PreviewIssue {
  number: number;
  /** Whether `send` would create it, resume it, or (nothing new) it is the latest sent. */
  kind: 'next' | 'resume' | 'latest';
  subject: string;
  preheader: string;
  html: string;
  text: string;
  /** Entries by title, lead first, as the issue carries them (only known for the next issue). */
  stories: string[];
}

export type PreviewState =
  | { version: number; ok: true; config: Config; issue: PreviewIssue | undefined; warnings: string[]; ms: number }
  | { version: number; ok: false; error: BroadsheetError; ms: number };

export const SAMPLE_READER = { email: 'sample.reader@example.org', name: 'Sample Reader' } as const;

function sampleRecipient(config: Config, secret: string, issue: number): Recipient {
  const urls = publicUrls(config);
  return { ...SAMPLE_READER, unsubscribeUrl: urls.unsubscribe(createUnsubscribeToken(secret, SAMPLE_READER.email)), viewUrl: urls.issue(issue) };
}

/**
 * One preview: the config, the articles and the templates read afresh; the
 * next issue decided by the same function `send` uses and rendered in this
 * process (MJML stays loaded between rebuilds); the feeds written to the
 * preview's own output folder, for the server that shows them.
 */
export async function renderPreview(options: { configFile: string; outDir: string; clock: Clock; history: IssueHistory | undefined; secret: string; version: number }): Promise<PreviewState> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const config = await loadConfig(options.configFile, { outDir: options.outDir });
    const site = await loadSite(config, options.clock);
    // A site without a digest (digest.enabled: false) previews its feeds only.
    const plan = config.digest.enabled ? await nextIssue(site, options.history) : undefined;
    await writeOutputs(options.outDir, [...renderFeeds(site), ...(await imageFiles(site))]);
    const warnings = site.warnings.map((w) => `${w.file}${w.line ? `:${w.line}` : ''}: ${w.field ? `${w.field}: ` : ''}${w.message}`);
    if (!plan) warnings.push('digest.enabled is false: there is no issue to preview');
    let issue: PreviewIssue | undefined;
    if (plan?.kind === 'new') {
      const rendered = await renderDigest(config, plan.content);
      const { lead, cards, alsoNew } = plan.content;
      issue = { number: plan.content.number, kind: 'next', ...rendered, stories: [lead, ...cards, ...alsoNew].map((e) => e.title) };
    } else if (plan) {
      const stored = plan.kind === 'resume' ? plan.issue : plan.latest;
      if (stored) issue = { number: stored.number, kind: plan.kind === 'resume' ? 'resume' : 'latest', subject: stored.subject, preheader: stored.preheader, html: stored.html, text: stored.text, stories: [] };
    }
    if (issue) Object.assign(issue, personalize(issue)(sampleRecipient(config, options.secret, issue.number)));
    return { version: options.version, ok: true, config, issue, warnings, ms: ms() };
  } catch (error) {
    const known = isBroadsheetError(error) ? error : new BroadsheetError('INTERNAL', (error as Error)?.stack ?? String(error));
    return { version: options.version, ok: false, error: known, ms: ms() };
  }
}

/**
 * The digest as a mail client in dark mode shows it: the template's
 * `prefers-color-scheme: dark` rules applied unconditionally, so the preview
 * can switch without changing the reader's system setting.
 */
export function forceDarkMode(html: string): string {
  return html.replace(/@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)/g, '@media all');
}
