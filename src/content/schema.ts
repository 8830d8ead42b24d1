import type { z as Z } from 'zod';
import { DATE_FORMS, parseDate } from '../util/dates.js';
import { wallTimeAt } from '../util/zoned-time.js';
import { z } from '../util/zod.js';

/**
 * The front matter after its aliases are resolved (fields.ts): what each
 * field may hold, and what to write instead when it holds something else.
 */

/** A date field read in `timeZone`; TOML's own dates arrive as their text (front-matter.ts). */
function dateField(timeZone: string) {
  return z.string({ error: `must be a date: write ${DATE_FORMS}` }).transform((s, ctx) => {
    const date = parseDate(s, timeZone);
    if (typeof date === 'string') {
      ctx.addIssue({ code: 'custom', message: date });
      return z.NEVER;
    }
    return date;
  });
}

/** `{year}`, `{month}`, `{day}` of an entry's URL: its date as the site's clocks showed it. */
export function permalink(pattern: string, slug: string, date: Date, timeZone: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const t = wallTimeAt(date, timeZone);
  return pattern.replaceAll('{slug}', slug).replaceAll('{year}', String(t.year)).replaceAll('{month}', pad(t.month)).replaceAll('{day}', pad(t.day));
}

/** Far above any real article (a long read is a few hundred KiB); a bigger file is a mistake or an attack. */
export const MAX_ARTICLE_BYTES = 4 * 1024 * 1024;
/** Front matter holds a title, a standfirst and a few fields: a few hundred bytes. */
export const MAX_FRONT_MATTER_BYTES = 64 * 1024;

export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** Text as a slug: accents dropped, lowercase ASCII letters and digits, anything else one hyphen ("Hash #1" → "hash-1"). */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const slugField = z.string({ error: 'must be a slug: lowercase letters, digits and hyphens, e.g. slug: cloud-war' }).superRefine((s, ctx) => {
  if (SLUG_RE.test(s)) return;
  const better = slugify(s);
  ctx.addIssue({
    code: 'custom',
    message: better ? `slugs are lowercase letters, digits and single hyphens: write ${better}` : 'slugs are lowercase letters, digits and single hyphens, e.g. cloud-war',
  });
});

/** Text (a number written where text belongs was made text by fields.ts). */
function text(field: string, example: string) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? `is required: add ${field}: ${example}` : `must be text: write ${field}: ${example}`) })
    .trim()
    .min(1, { error: `must not be empty: write ${field}: ${example}` });
}

/** A list, or one value (`tags: travel`, Eleventy's way of writing a single tag). The list first: it is the usual case, and a failed alternative costs. */
function list<T extends Z.ZodType>(item: T, field: string, example: string) {
  return z.union([z.array(item), item.transform((v) => [v])], { error: `must be a list: write ${field}: ${example}` });
}

const tag = text('tags', '[travel, food]');

export const LANGUAGE_RE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

const imageObject = z.strictObject({
  src: z.string().min(1).optional(),
  /** jekyll-seo-tag's name for src. */
  path: z.string().min(1).optional(),
  alt: z.string({ error: 'must be text: write alt: "what the image shows"' }).optional(),
  /** Shown under the image (credit, what it shows); plain text. */
  caption: z.string().trim().min(1, { error: 'must not be empty; leave it out instead' }).optional(),
  /** MIME type for a remote image, which cannot be sniffed. */
  type: z.string().regex(/^image\/[a-z0-9.+-]+$/, { error: 'must be an image MIME type: write type: image/jpeg' }).optional(),
});

const imageField = z.union([z.string().min(1), imageObject], {
  error: 'must be a path or URL, or { src, alt }: write image: { src: cover.jpg, alt: "what the image shows" }',
});

const enclosureObject = z.strictObject({
  src: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  /** MIME type; read from a local file's bytes when absent. */
  type: z.string().regex(/^(?:audio|video|application|image)\/[a-z0-9.+-]+$/, { error: 'must be a MIME type: write type: audio/mpeg or type: video/mp4' }).optional(),
  /** Size in bytes; a local file's own size when absent. */
  length: z.int().min(0, { error: 'must be the size in bytes: write length: 24986239' }).optional(),
  /** What the file is, for the readers that show it (Atom's link title, JSON Feed's attachment title). */
  title: z.string().optional(),
});

/** The fields of an entry's front matter, once aliases are resolved; dates are read in `timeZone`. */
function makeSchema(timeZone: string) {
  const date = dateField(timeZone);
  // Not strict: fields.ts has already set aside every key this schema does not know.
  return z.object({
    title: text('title', '"The headline"'),
    /** The standfirst of an article (the first paragraph when absent); the summary of a teaser. */
    description: text('description', '"One or two sentences under the title"').optional(),
    /** From a YYYY-MM-DD- file or folder name when absent. */
    date: date.optional(),
    updated: date.optional(),
    author: list(text('author', '"Ada Lovelace"'), 'author', '"Ada Lovelace" or author: [Ada Lovelace, Grace Hopper]').optional(),
    tags: list(tag, 'tags', '[travel, food]').default([]),
    /** Jekyll's: a string is a list of words, each a category. Joins tags. */
    categories: z
      .union([z.string().transform((s) => s.split(/\s+/).filter((w) => w !== '')), z.array(tag)], { error: 'must be a list: write categories: [travel, food]' })
      .default([]),
    slug: slugField.optional(),
    /** Canonical URL; absolute, or a path resolved against the site's URL. */
    url: z.string({ error: 'must be a URL or a path: write url: /2025/08/my-story/' }).min(1).optional(),
    /** A stable identifier (URI) that outlives URL changes; the URL when absent. */
    id: z.string().regex(/^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|\\^`]+$/, { error: 'must be a URI such as "tag:example.com,2025:cloud-war" or a URL' }).optional(),
    image: imageField.optional(),
    /** Hugo's list of images: the first is the entry's image. */
    images: z.array(imageField, { error: 'must be a list: write images: [cover.jpg]' }).optional(),
    image_alt: z.string({ error: 'must be text: write image_alt: "what the image shows"' }).optional(),
    alt: z.string({ error: 'must be text: write alt: "what the image shows"' }).optional(),
    enclosure: z.union([z.string().min(1), enclosureObject], { error: 'must be a path or URL, or { src, type, length }: write enclosure: { src: episode.mp3, type: audio/mpeg }' }).optional(),
    lang: z.string().regex(LANGUAGE_RE, { error: 'must be a language tag: write lang: fr or lang: en-GB' }).optional(),
    draft: z.boolean({ error: 'must be true or false: write draft: true' }).default(false),
    /** Jekyll's: `published: false` keeps the entry out, as `draft: true` does. */
    published: z.boolean({ error: 'must be true or false: write published: false' }).optional(),
    related: list(slugField, 'related', '[other-story, another-story]').default([]),
  });
}

export type FrontMatter = Z.output<ReturnType<typeof makeSchema>>;
export type FrontMatterSchema = ReturnType<typeof makeSchema>;

/** The field names the schema knows, before aliases. */
export const FIELDS: readonly string[] = Object.keys(makeSchema('UTC').shape);

const schemas = new Map<string, FrontMatterSchema>();

/** The front-matter schema whose dates are read in `timeZone`; one per zone. */
export function frontMatterSchema(timeZone: string): FrontMatterSchema {
  let s = schemas.get(timeZone);
  if (!s) schemas.set(timeZone, (s = makeSchema(timeZone)));
  return s;
}
