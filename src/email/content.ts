import { leadStory, type Entry, type Site } from '../content/model.js';

// Apart from the renderer: choosing what a digest shows needs neither Handlebars nor MJML.

export interface DigestContent {
  number?: number;
  lead: Entry;
  /** Teasers and other stories shown as cards, in order. */
  cards: Entry[];
}

/** The newest article and the teasers it names (at most digest.maxTeasers): what `build` writes as the digest. */
export function digestContentFor(site: Site): DigestContent | undefined {
  const story = leadStory(site);
  if (!story) return undefined;
  return { lead: story.lead, cards: story.related.slice(0, site.config.digest.maxTeasers) };
}
