import { oneLine } from '../util/text.js';

/** What `broadsheet init` asks for (or takes from --title and --url). */
export interface StarterSite {
  title: string;
  /** An absolute http(s) URL ending in `/`. */
  url: string;
  /** When the example article is dated: the moment of `init`, so the first build publishes it. */
  date: Date;
}

/** Where init puts the example article, relative to the config. */
export const STARTER_ARTICLE = 'articles/welcome.md';

// A JSON string is a valid YAML double-quoted scalar: any title is safe in it.
const quoted = (s: string) => JSON.stringify(s);

/**
 * The commented `broadsheet.config.yaml` of a new site: what a blogger needs
 * to change, said where it is changed. Only the settings a first build and a
 * first send use are written; every other one keeps its default (see
 * docs/configuration.md).
 */
export function starterConfig(site: StarterSite): string {
  const title = oneLine(site.title);
  const host = new URL(site.url).hostname;
  // Angle brackets would end the display name of the From address.
  const fromName = title.replace(/[<>]/g, '');
  return `# broadsheet configuration: feeds (RSS, Atom, JSON Feed) and an email digest from
# Markdown articles. Paths are relative to this file. Every setting, with its
# default: docs/configuration.md in the broadsheet package.
# Secrets never go here: SMTP_URL and BROADSHEET_SECRET come from the environment.

site:
  title: ${quoted(title)}
  # The public address of the site, ending in "/": every link in the feeds and
  # the digest starts with it.
  url: ${quoted(site.url)}
  language: en
  description: ${quoted(`New articles from ${title}.`)}
  # The default author of every article; an article's own "author" wins.
  author:
    name: ${quoted(title)}
  # Every digest's footer shows a postal address (CAN-SPAM): required before
  # the digest is sent to the list.
  # postalAddress: "1 Example Street, Exampletown"

content:
  # The folder of Markdown articles (YAML front matter, then the body).
  dir: articles
  # Where an article is published under site.url: {slug}, {year}, {month}, {day}.
  # Match your site generator's, so that feed links lead to the real pages.
  permalink: "{slug}/"

output:
  # Where "broadsheet build" writes. To add the feeds to a site generator's
  # output, point it there (or pass --out public): broadsheet only writes and
  # removes its own files.
  dir: output

digest:
  # false for feeds only: then no templates, no BROADSHEET_SECRET and no SMTP
  # server are needed, and nothing is ever sent.
  enabled: true
  # The email templates ship with broadsheet. "broadsheet init --templates"
  # copies them into email-templates/ to edit, and they are used from there.
  subject: "{{site.title}}: {{lead.title}}"

email:
  from: ${quoted(`${fromName} <newsletter@${host}>`)}

# Subscribers, issues and the delivery ledger (SQLite). Keep this folder: a lost
# ledger would send everything to everyone again (docs/deploying.md).
data:
  dir: data

# When "broadsheet schedule" (or "serve --schedule") builds and sends.
schedule:
  cron: "0 7 * * *"
  timezone: UTC

server:
  host: 127.0.0.1
  port: 8080
  # Where readers reach "broadsheet serve" (it answers unsubscribe links) when
  # the site itself is on a static host; set it to site.url if serve serves
  # the whole site.
  # publicUrl: https://list.example.com/
`;
}

/** The one example article: front matter as every article has it, and a body that says what to do next. */
export function starterArticle(site: StarterSite): string {
  return `---
title: Welcome
description: ${quoted(`The first article of ${oneLine(site.title)}: edit it or delete it, and write the next one beside it.`)}
date: ${site.date.toISOString().replace(/\.\d{3}Z$/, 'Z')}
tags: [news]
---

Every Markdown file in the \`articles\` folder is an article: front matter
between the two \`---\` lines (\`title\`, \`description\` and \`date\` are
required), then the body.

Run \`npx broadsheet build\` to write the feeds, and a preview of the email
digest, into the \`output\` folder.
`;
}
