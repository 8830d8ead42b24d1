import type { z as Z } from 'zod';
import { z } from '../util/zod.js';
import { checkCron } from './cron.js';
import { FEED_FORMATS, type FeedFormatKey } from './feed-formats.js';

/** One message every 1,000 seconds at the slowest (a timer can wait no more than 24.8 days), 10,000 a second at the fastest. */
export const MIN_RATE = 0.001;
export const MAX_RATE = 10_000;

export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
  .transform((u) => (u.endsWith('/') ? u : `${u}/`));

/** Time zones ICU lists as canonical: checked without loading its zone data. */
let canonicalZones: Set<string> | undefined;

/**
 * A name the runtime knows as a time zone. The canonical names are looked
 * up in ICU's list (2 ms); others, such as links ("US/Eastern", "UTC"),
 * by building a formatter, which loads the zone data: 14 ms of every
 * command, most of which never use the zone.
 */
function isTimeZone(tz: string): boolean {
  if (tz === 'UTC' || (canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'))).has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(
  isTimeZone,
  { error: 'is not a known IANA time zone (e.g. "Europe/London", "UTC")' },
);

/** A mailbox such as `Name <a@b.example>` or a bare address. */
const mailbox = z
  .string()
  .regex(/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/, {
    error: 'must be an address like "Name <news@example.com>" or "news@example.com"',
  });

/** `bounces+{token}@example.com`: an address with `{token}` once in the part before @. */
const verpTemplate = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+/=?^_`|~.-]*\{token\}[A-Za-z0-9!#$%&'*+/=?^_`|~.-]*@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, {
    error: 'must be an address with {token} in the part before @, like "bounces+{token}@news.example.com"',
  });

/** `https://blog.example.com`: scheme, host and port only, as browsers send it in Origin. */
const origin = z
  .string()
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, { error: 'must be an origin like "https://blog.example.com" (no path, no trailing slash)' })
  .transform((o) => o.toLowerCase());

export const authorSchema = z.strictObject({
  name: z.string().min(1),
  email: z.email().optional(),
  url: z.url().optional(),
});

export const configSchema = z.strictObject({
  site: z.strictObject({
    title: z.string().min(1),
    /** Public base URL: article links, feed ids and unsubscribe URLs derive from it. */
    url: httpUrl,
    language: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, { error: 'must be a language tag like "en" or "en-GB"' }),
    description: z.string().min(1),
    author: authorSchema,
    copyright: z.string().optional(),
    /** Site icon and logo, used by the feeds and the digest header. */
    icon: z.url().optional(),
    logo: z.url().optional(),
    /**
     * The zone in which the site's dates are written: a front-matter date or
     * time without an offset, a file-name date, and the permalink's
     * {year}/{month}/{day} are read in it. The scheduler's zone when
     * schedule.timezone is not set.
     */
    timezone: timeZone.default('UTC'),
    /** The publisher's postal address, in every digest's footer (CAN-SPAM); required before a real send. */
    postalAddress: z.string().trim().min(1).max(500).optional(),
  }),
  content: z
    .strictObject({
      dir: z.string().default('articles'),
      /** Path of an article under the site URL; {slug}, {year}, {month}, {day} are filled in. */
      permalink: z
        .string()
        .regex(/^[^/][^\s]*$/, { error: 'must be a relative path such as "{slug}/" or "{year}/{month}/{slug}.html"' })
        .refine((p) => p.includes('{slug}'), { error: 'must contain {slug}' })
        .default('{slug}/'),
      /**
       * Files and folders under content.dir that are not entries (.gitignore
       * patterns, see util/glob.ts): Hugo's list pages, Jekyll's `_drafts`
       * and other underscore folders, drafts folders.
       */
      exclude: z.array(z.string().min(1)).default(['_index.md', '_*', 'drafts/']),
      /** Unknown front-matter fields are errors instead of one summarised warning. */
      strict: z.boolean().default(false),
    })
    .prefault({}),
  output: z
    .strictObject({
      dir: z.string().default('output'),
      /** Write `_headers` (Netlify, Cloudflare Pages): the same Cache-Control `serve` sends. */
      headers: z.boolean().default(true),
    })
    .prefault({}),
  feeds: z
    .strictObject({
      /** How many entries the main feeds carry, newest first. */
      items: z.int().min(1).max(1000).default(20),
      /** Link an XSL stylesheet so a browser shows a readable page. */
      stylesheet: z.boolean().default(true),
      /** WebSub hubs to ping when a feed changes. */
      hubs: z.array(z.url()).default([]),
      /** Per-tag feeds under output/tags/<tag>/. */
      tags: z.boolean().default(true),
      /** RFC 5005 archive: entries per archive document. */
      archivePageSize: z.int().min(1).max(10000).default(100),
      /** The format feeds.opml and tags.opml list, and feed-links.html names first. */
      primary: z
        .enum(FEED_FORMATS.map((f) => f.key) as [FeedFormatKey, ...FeedFormatKey[]], { error: `must be one of ${FEED_FORMATS.map((f) => `"${f.key}"`).join(', ')}` })
        .default('atom'),
      content: z
        .strictObject({
          /** What opens every entry's body, in this order: the standfirst, the lead image. */
          prepend: z
            .array(z.enum(['standfirst', 'image'], { error: 'must be "standfirst" or "image"' }))
            .refine((parts) => new Set(parts).size === parts.length, { error: 'must not name a part twice' })
            .default(['standfirst', 'image']),
        })
        .prefault({}),
    })
    .prefault({}),
  digest: z
    .strictObject({
      /**
       * false: a feeds-only site. No templates, no secret and no SMTP are
       * needed; build, validate and the schedule skip the digest, and send refuses.
       */
      enabled: z.boolean().default(true),
      /**
       * The templates folder. Unset: `email-templates/` beside the config when
       * it exists (what `broadsheet init --templates` writes), else the
       * templates that ship with broadsheet (email/templates.ts decides).
       */
      templates: z.string().min(1).optional(),
      /** Handlebars template for the subject line. */
      subject: z.string().min(1).default('{{site.title}}: {{lead.title}}'),
      /** Handlebars template for the hidden preview text. */
      preheader: z.string().default('{{lead.description}}'),
      /** Paragraphs of the lead story shown before its "Read more" button. */
      leadParagraphs: z.int().min(1).max(50).default(3),
      maxTeasers: z.int().min(0).max(50).default(6),
      /**
       * What the first issue carries: `latest`, the newest article and its
       * related teasers (the older history is marked covered, and the run says
       * so); or `all`, every published article.
       */
      firstIssue: z.enum(['latest', 'all'], { error: 'must be "latest" or "all"' }).default('latest'),
      /**
       * New articles beyond maxTeasers: `also-new` lists them as compact links
       * under "Also new"; `carry-over` leaves them for the next issue.
       */
      overflow: z.enum(['also-new', 'carry-over'], { error: 'must be "also-new" or "carry-over"' }).default('also-new'),
      /** The editor's note for the next issue: a Markdown file, shown at the top, moved away once the issue is created. */
      note: z.string().min(1).default('editor-note.md'),
      /** Gmail clips HTML bodies above 102 KB; warn before that. */
      maxBytes: z.int().min(1000).default(102_000),
    })
    .prefault({}),
  email: z
    .strictObject({
      from: mailbox,
      replyTo: mailbox.optional(),
      /** List-Id value; derived from the site's host when absent. */
      listId: z.string().optional(),
      /** Address for mailto: List-Unsubscribe; the From address when absent. */
      unsubscribeMailto: z.email().optional(),
      /**
       * The envelope sender (Return-Path), one per recipient (VERP): `{token}`
       * is replaced by a signed token naming the subscriber and the issue, so
       * a bounce names its recipient even when its text does not.
       */
      returnPath: verpTemplate.optional(),
      /** Messages per second at most; 0 for no limit. */
      rateLimit: z
        .number()
        .refine((r) => r === 0 || (r >= MIN_RATE && r <= MAX_RATE), {
          error: `must be 0 (no limit) or from ${MIN_RATE} to ${MAX_RATE} messages per second`,
        })
        .default(0),
      maxConnections: z.int().min(1).max(50).default(5),
      /**
       * When a delivery that keeps failing temporarily (4xx, dropped
       * connections) becomes `failed`, so that one mailbox cannot hold an
       * issue, and every later one, open for ever. RFC 5321 §4.5.4.1: a mail
       * server's give-up time "generally needs to be at least 4-5 days".
       */
      giveUp: z
        .strictObject({
          /** Hours since the delivery was opened (the issue's first run for that subscriber). */
          afterHours: z.number().positive().max(24 * 365).default(120),
          /** Attempts, over all runs (each run makes up to 3); 0 for no limit by count. */
          afterAttempts: z.int().min(0).max(10_000).default(0),
        })
        .prefault({}),
      dkim: z
        .strictObject({
          domainName: z.string().min(1),
          keySelector: z.string().min(1),
          privateKeyFile: z.string().min(1),
        })
        .optional(),
    })
    .optional(),
  data: z
    .strictObject({
      dir: z.string().default('data'),
      /**
       * postgres://…: keep the list in PostgreSQL (several `serve` instances,
       * several senders) instead of SQLite in `dir`. DATABASE_URL in the
       * environment wins; a password belongs there, not in this file.
       */
      url: z.string().regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' }).optional(),
      /** With PostgreSQL: how long a sender's hold on a delivery lasts unless renewed; a dead sender's deliveries are taken over after it. */
      leaseSeconds: z.number().min(1).max(3600).default(60),
    })
    .prefault({}),
  cache: z
    .strictObject({
      /**
       * The build cache's folder (util/cache.ts); node_modules/.cache/broadsheet
       * when absent and the project has node_modules, else no cache.
       */
      dir: z.string().min(1).optional(),
    })
    .prefault({}),
  list: z
    .strictObject({
      /** Days a confirmation link stays valid. */
      confirmDays: z.int().min(1).max(90).default(7),
      /** Confirmation mails one address can be sent per `confirmWindowHours`, however often the form is posted. */
      confirmMails: z.int().min(1).max(20).default(3),
      confirmWindowHours: z.int().min(1).max(720).default(24),
      /** Handlebars template of the confirmation mail's subject. */
      confirmSubject: z.string().min(1).default('Confirm your subscription to {{site.title}}'),
      /** Subscribe requests one client (IP address) may make per minute. */
      rateLimit: z.int().min(1).max(1_000_000).default(10),
      /** Origins (`https://blog.example.com`) whose pages may post the subscribe form; the site's own always may. */
      allowedOrigins: z.array(origin).default([]),
      /** Consecutive issues with a soft bounce before an address is marked bounced. */
      softBounceLimit: z.int().min(1).max(50).default(3),
    })
    .prefault({}),
  inbound: z
    .strictObject({
      /** Where `broadsheet inbound` (and `serve --inbound`) receives bounces, complaints and mailed unsubscribes. */
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(2525),
      /** A larger message is refused at SMTP time. */
      maxMessageBytes: z.int().min(10_000).max(100_000_000).default(10_000_000),
      /** Folder for mail that could not be understood; `<data.dir>/quarantine` when absent. */
      quarantine: z.string().optional(),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      cron: z.string().superRefine(checkCron).default('0 7 * * *'),
      /** site.timezone when absent. */
      timezone: timeZone.optional(),
    })
    .prefault({}),
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8080),
      /**
       * Where readers reach `broadsheet serve`, when that is not `site.url`:
       * the site on a static host, the endpoints only serve answers
       * (unsubscribe, subscribe, confirm, manage) on their own address. See config/urls.ts.
       */
      publicUrl: httpUrl.optional(),
      /** Connections open at once; each is a file descriptor, so keep it well under `ulimit -n`. */
      maxConnections: z.int().min(1).max(1_000_000).default(1000),
      /** Behind a reverse proxy: the client is the address it appends to X-Forwarded-For (for the subscribe rate limit). */
      trustProxy: z.boolean().default(false),
    })
    .prefault({}),
}).transform((c) => ({ ...c, schedule: { ...c.schedule, timezone: c.schedule.timezone ?? c.site.timezone } }));

export type ConfigInput = Z.input<typeof configSchema>;
export type ConfigData = Z.output<typeof configSchema>;
export type Author = Z.output<typeof authorSchema>;
