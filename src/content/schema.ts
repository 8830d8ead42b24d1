import { z } from 'zod';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date or date-time. A date alone means midnight UTC, and a time
 * without an offset is UTC, so a build never depends on the machine's zone.
 */
export const dateField = z.string({ error: 'must be a date such as 2025-08-29 or 2025-08-29T14:30:00Z' }).transform((s, ctx) => {
  const m = DATE_RE.exec(s.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a date (use 2025-08-29 or 2025-08-29T14:30:00Z)` });
    return z.NEVER;
  }
  const [, y, mo, d, h = '00', mi = '00', sec = '00', zone = 'Z'] = m;
  const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec}${offset}`);
  const calendarOk = Number(mo) >= 1 && Number(mo) <= 12 && Number(d) >= 1 && Number(d) <= new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number.isNaN(date.getTime()) || !calendarOk || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a real calendar date or time` });
    return z.NEVER;
  }
  return date;
});

export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const slug = z.string().regex(SLUG_RE, { error: 'must be lowercase letters, digits and single hyphens, e.g. "cloud-war"' });

const nonEmpty = (what: string) => z.string({ error: `must be ${what}` }).trim().min(1, { error: 'must not be empty' });

export const frontMatterSchema = z.strictObject({
  title: nonEmpty('a string'),
  /** The standfirst of an article; the summary of a teaser. */
  description: nonEmpty('a string'),
  date: dateField,
  updated: dateField.optional(),
  author: z.union([nonEmpty('a name'), z.array(nonEmpty('a name')).min(1)], { error: 'must be a name or a list of names' }).optional(),
  tags: z.array(nonEmpty('a tag')).default([]),
  slug: slug.optional(),
  /** Canonical URL; absolute, or a path resolved against the site's URL. */
  url: z.string().min(1).optional(),
  /** A stable identifier (URI) that outlives URL changes; the URL when absent. */
  id: z.string().regex(/^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|\\^`]+$/, { error: 'must be a URI such as "tag:example.com,2025:cloud-war" or a URL' }).optional(),
  image: z
    .strictObject({
      src: z.string().min(1),
      alt: z.string({ error: 'is required: describe the image for readers who cannot see it' }),
      /** Shown under the image (credit, what it shows); plain text. */
      caption: z.string().trim().min(1, { error: 'must not be empty; leave it out instead' }).optional(),
      /** MIME type for a remote image, which cannot be sniffed. */
      type: z.string().regex(/^image\/[a-z0-9.+-]+$/, { error: 'must be an image MIME type like image/jpeg' }).optional(),
    })
    .optional(),
  draft: z.boolean().default(false),
  related: z.array(slug).default([]),
});

export type FrontMatter = z.output<typeof frontMatterSchema>;
