import { FIELDS } from './schema.js';

/**
 * Front matter as Hugo, Jekyll and Eleventy write it, brought to broadsheet's
 * own field names. Each field's names in order: when several are set, the
 * first wins and the others are left alone.
 */
export const ALIASES: Readonly<Record<string, readonly string[]>> = {
  description: ['description', 'summary', 'excerpt'],
  updated: ['updated', 'lastmod', 'modified'],
  url: ['url', 'permalink'],
  author: ['author', 'authors'],
};

/** Every name broadsheet reads; anything else is an unknown field. */
const KNOWN = new Set<string>([...FIELDS, ...Object.values(ALIASES).flat()]);
const ALIASED = new Set<string>(Object.values(ALIASES).flat());
/** Fields of text, where TOML and YAML read `title = 2024` or `tags: [2024]` as numbers: they are text too. */
const TEXT = new Set(['title', 'description', 'author', 'tags', 'categories']);

function asText(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  return Array.isArray(v) && v.some((x) => typeof x === 'number') ? v.map((x) => (typeof x === 'number' ? String(x) : x)) : v;
}
const ALIAS_LISTS = Object.entries(ALIASES);

export interface Fields {
  /** The values under broadsheet's names, for the schema. */
  input: Record<string, unknown>;
  /** The name each field was written under, where it differs, to report problems at the right key. */
  writtenAs: Map<string, string>;
  /** Keys broadsheet does not read, as written. */
  unknown: string[];
}

/**
 * Resolves aliases and sets unknown keys aside. A key with no value (`tags:`
 * in YAML) is the same as no key: Jekyll and Hugo starters leave fields empty.
 */
export function resolveFields(raw: Readonly<Record<string, unknown>>): Fields {
  const input: Record<string, unknown> = {};
  const writtenAs = new Map<string, string>();
  const unknown: string[] = [];
  for (const [field, names] of ALIAS_LISTS) {
    const name = names.find((n) => raw[n] !== undefined && raw[n] !== null);
    if (name === undefined) continue;
    input[field] = TEXT.has(field) ? asText(raw[name]) : raw[name];
    if (name !== field) writtenAs.set(field, name);
  }
  for (const key in raw) {
    const value = raw[key];
    if (ALIASED.has(key)) continue;
    // Hugo's `published` is a date (another name for publishDate), which broadsheet does not read.
    if (!KNOWN.has(key) || (key === 'published' && typeof value !== 'boolean' && value !== null)) unknown.push(key);
    else if (value !== null) input[key] = TEXT.has(key) ? asText(value) : value;
  }
  return { input, writtenAs, unknown };
}

/** The known name closest to a misspelt one (at most two edits away), for "did you mean". */
export function closestField(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of KNOWN) {
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit ("tgas" → "tags"). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
