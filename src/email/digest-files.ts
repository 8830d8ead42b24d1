import path from 'node:path';
import type { Config } from '../config/load.js';
import { publicUrls } from '../config/urls.js';
import type { Problem } from '../errors.js';
import type { OutputFile } from '../output/files.js';
import { personalize, renderDigest, type DigestContent, type Recipient, type RenderedDigest } from './digest.js';
import { messageToEml } from './eml.js';
import { buildMessage, sender } from './message.js';
import { mjmlCacheFor } from './mjml-cache.js';
import { MJML_OPTIONS } from './mjml.js';
import { receiptReason } from './reason.js';

const shown = (config: Config, file: string) => path.relative(config.paths.root, path.join(config.paths.output, file)).split(path.sep).join('/');

/** A warning when the HTML would be clipped by Gmail (over digest.maxBytes). */
export function sizeWarning(config: Config, html: string, file = 'digest.html'): Problem | undefined {
  const bytes = Buffer.byteLength(html, 'utf8');
  const max = config.digest.maxBytes;
  if (bytes <= max) return undefined;
  return {
    file: shown(config, file),
    message: `the digest's HTML is ${bytes} bytes, over digest.maxBytes (${max}); Gmail clips larger messages: lower digest.leadParagraphs or digest.maxTeasers`,
  };
}

/** The values the preview on disk is personalised with: no subscriber, the generic unsubscribe and manage pages. */
export function neutralRecipient(config: Config, issue: number): Recipient {
  const urls = publicUrls(config);
  return { email: sender(config).address, unsubscribeUrl: urls.unsubscribePage, viewUrl: urls.issue(issue), manageUrl: urls.managePage, reason: receiptReason(config) };
}

export interface DigestFiles {
  files: OutputFile[];
  warnings: Problem[];
  /** What the build cache had to say while MJML's output was looked for in it; not part of the files' record. */
  notices?: Problem[];
}

/**
 * digest.html, digest.txt and digest.eml: one rendered issue as a reader
 * would get it, personalised with neutral values. Nothing in them depends on
 * the time of the build: `date` is the issue's (or its lead's), and the
 * Message-ID and MIME boundaries derive from the content.
 */
export async function renderDigestFiles(config: Config, digest: RenderedDigest, issue: { number: number; date: Date }): Promise<DigestFiles> {
  const recipient = neutralRecipient(config, issue.number);
  const personal = personalize(digest)(recipient);
  const host = new URL(config.site.url).hostname;
  const eml = await messageToEml(buildMessage(config, digest, personal, recipient, { messageId: `<issue-${issue.number}.preview@${host}>`, date: issue.date }));
  const warning = sizeWarning(config, personal.html);
  return {
    files: [
      { path: 'digest.html', content: personal.html },
      { path: 'digest.txt', content: personal.text },
      { path: 'digest.eml', content: eml },
    ],
    warnings: warning ? [warning] : [],
  };
}

/**
 * digest.* for a new issue: rendered (MJML's output taken from the build
 * cache when it is there), with what the cache had to say among the warnings.
 */
export async function renderIssueFiles(config: Config, content: DigestContent, date: Date, readOnlyCache = false): Promise<DigestFiles> {
  const cache = mjmlCacheFor(config.paths.cache, MJML_OPTIONS, config.paths.root, readOnlyCache);
  const digest = await renderDigest(config, content, cache);
  const out = await renderDigestFiles(config, digest, { number: content.number, date });
  return cache && cache.notices.length > 0 ? { ...out, notices: [...cache.notices] } : out;
}

/** The warning that stands in for the digest files when no published article can lead an issue. */
export function noDigestWarning(config: Config): Problem {
  const dir = path.relative(config.paths.root, config.paths.content) || '.';
  return { file: dir, message: 'no published article to lead the digest; digest files not written' };
}
