import path from 'node:path';
import type { Config } from '../config/load.js';
import type { Site } from '../content/model.js';
import type { Problem } from '../errors.js';
import type { OutputFile } from '../output/files.js';
import { digestContentFor, personalize, renderDigest, type DigestContent, type Recipient } from './digest.js';
import { messageToEml } from './eml.js';
import { buildMessage, sender } from './message.js';

export { digestContentFor, personalize, renderDigest } from './digest.js';
export type { DigestContent, Recipient, RenderedDigest } from './digest.js';
export { buildMessage } from './message.js';

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

/** The values the preview on disk is personalised with: no subscriber, the generic unsubscribe page. */
export function neutralRecipient(config: Config): Recipient {
  return { email: sender(config).address, unsubscribeUrl: `${config.site.url}unsubscribe/`, viewUrl: config.site.url };
}

/**
 * digest.html, digest.txt and digest.eml for the newest article and its
 * teasers. Nothing in them depends on the time of the build: the Date header
 * is the lead's date, the Message-ID and MIME boundaries derive from content.
 */
export async function renderDigestFiles(site: Site): Promise<DigestFiles> {
  return renderDigestFilesFor(site.config, digestContentFor(site));
}

export interface DigestFiles {
  files: OutputFile[];
  warnings: Problem[];
}

/** renderDigestFiles for content already chosen; `undefined` when no article can lead. */
export async function renderDigestFilesFor(config: Config, content: DigestContent | undefined): Promise<DigestFiles> {
  if (!content) {
    const dir = path.relative(config.paths.root, config.paths.content) || '.';
    return { files: [], warnings: [{ file: dir, message: 'no published article to lead the digest; digest files not written' }] };
  }
  const digest = await renderDigest(config, content);
  const recipient = neutralRecipient(config);
  const personal = personalize(digest)(recipient);
  const host = new URL(config.site.url).hostname;
  const eml = await messageToEml(
    buildMessage(config, digest, personal, recipient, { messageId: `<digest.${content.lead.slug}@${host}>`, date: content.lead.date }),
  );
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
