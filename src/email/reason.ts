import type { Config } from '../config/load.js';
import { formatDate } from './view.js';

/** What the reason line needs of a subscriber's consent record (delivery/model.ts `Consent`). */
export interface ConsentFacts {
  joinedAt: Date;
  joinedVia: string;
  joinedDetail?: string | undefined;
  confirmedAt?: Date | undefined;
}

const SOURCES: Record<string, (detail: string | undefined) => string> = {
  form: () => 'the subscribe form',
  import: (detail) => (detail ? `an import of ${detail}` : 'an import'),
  'command-line': () => 'the command line',
};

/**
 * The footer's "why you get this": when and how the reader's consent was
 * given ("confirmed on 1 September 2025 via the subscribe form", "joined on
 * 21 March 2019 via an import of subscribed_members_export.csv"). Without a
 * record (the preview, the archive, rows older than consent records), the
 * general sentence.
 */
export function receiptReason(config: Config, consent?: ConsentFacts): string {
  const title = config.site.title;
  const source = consent && SOURCES[consent.joinedVia];
  if (!consent || !source) return `You receive this email because you subscribed to ${title}.`;
  // An import keeps the date the reader joined the list it came from: they joined then, nobody added them then.
  const verb = consent.confirmedAt ? 'confirmed' : consent.joinedVia === 'import' ? 'joined' : 'added';
  return `You receive this email because you are on the list of ${title}: ${verb} on ${formatDate(config, consent.confirmedAt ?? consent.joinedAt)} via ${source(consent.joinedDetail)}.`;
}
