import type { Config } from '../../src/config/load.js';
import type { Site } from '../../src/content/model.js';
import { renderDigestFiles, type DigestFiles } from '../../src/email/digest-files.js';
import { renderDigest, type DigestContent } from '../../src/email/digest.js';
import { planNextIssue } from '../../src/pipeline/next-issue.js';
import { exampleSite } from './project.js';

/** What the first issue of a site carries, by the one rule `send` and `build` use (pipeline/next-issue.ts). */
export function firstIssueContent(site: Site): DigestContent {
  const plan = planNextIssue(site, { covered: new Set() });
  if (plan.kind !== 'new') throw new Error(`the site has no first issue (${plan.kind})`);
  return plan.content;
}

/** digest.html, digest.txt and digest.eml of the first issue of a config's site, as `build` writes them. */
export async function firstIssueFiles(config: Config): Promise<DigestFiles> {
  const content = firstIssueContent(await exampleSite(config));
  return renderDigestFiles(config, await renderDigest(config, content), { number: content.number, date: content.lead.date });
}
