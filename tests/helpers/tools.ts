import { spawnSync } from 'node:child_process';

/**
 * External tools (xmllint, Debian's python3-feedparser, strace, PostgreSQL) are optional on a
 * developer's machine and required in CI: .ci/run installs them and sets
 * BROADSHEET_REQUIRE_TOOLS=1, which turns a missing tool into a failure.
 */
export const toolsRequired = process.env.BROADSHEET_REQUIRE_TOOLS === '1';

const cache = new Map<string, boolean>();

function probe(name: string, cmd: string, args: string[]): boolean {
  if (!cache.has(name)) {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    cache.set(name, r.status === 0);
  }
  return cache.get(name)!;
}

export const DEBIAN_PYTHON = '/usr/bin/python3';

export function hasXmllint(): boolean {
  return probe('xmllint', 'xmllint', ['--version']);
}

export function hasFeedparser(): boolean {
  return probe('feedparser', DEBIAN_PYTHON, ['-c', 'import feedparser']);
}

export function hasPython(): boolean {
  return probe('python3', DEBIAN_PYTHON, ['--version']);
}

export function hasXsltproc(): boolean {
  return probe('xsltproc', 'xsltproc', ['--version']);
}

/** Debian's Chromium, driven through playwright-core (which downloads no browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

export function hasChromium(): boolean {
  return probe('chromium', CHROMIUM, ['--version']);
}

export function hasSpamassassin(): boolean {
  return probe('spamassassin', 'spamassassin', ['--version']);
}

/** strace, and the right to trace a child (ptrace may be forbidden in a container). */
export function hasStrace(): boolean {
  return probe('strace', 'strace', ['-f', '-qq', '-e', 'trace=none', 'true']);
}

/**
 * PostgreSQL for the shared store's tests: a server named by
 * BROADSHEET_TEST_DATABASE_URL (CI starts one, .ci/run), or Debian's binaries,
 * from which tests/helpers/postgres.ts starts a throwaway cluster.
 */
export function postgresBinDir(): string | undefined {
  const dirs = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
  return dirs.find((d) => probe(`initdb:${d}`, `${d}/initdb`, ['--version']));
}

export function hasPostgres(): boolean {
  return !!process.env.BROADSHEET_TEST_DATABASE_URL || postgresBinDir() !== undefined;
}

const INSTALL = {
  xmllint: 'apt-get install libxml2-utils',
  feedparser: 'apt-get install python3-feedparser',
  xsltproc: 'apt-get install xsltproc',
  chromium: 'apt-get install chromium',
  spamassassin: 'apt-get install spamassassin',
  python3: 'apt-get install python3',
  strace: 'apt-get install strace',
  postgresql: 'apt-get install postgresql',
} as const;

const PRESENT: Record<keyof typeof INSTALL, () => boolean> = {
  xmllint: hasXmllint,
  feedparser: hasFeedparser,
  xsltproc: hasXsltproc,
  chromium: hasChromium,
  spamassassin: hasSpamassassin,
  python3: hasPython,
  strace: hasStrace,
  postgresql: hasPostgres,
};

/**
 * `true` when the tool is there. When it is missing: throws in CI, and
 * elsewhere prints a notice once and returns false so the caller can skip.
 */
export function tool(name: keyof typeof INSTALL): boolean {
  const present = PRESENT[name]();
  if (present) return true;
  const install = INSTALL[name];
  if (toolsRequired) throw new Error(`${name} is required (BROADSHEET_REQUIRE_TOOLS=1) but missing: ${install}`);
  if (!cache.has(`notice:${name}`)) {
    cache.set(`notice:${name}`, true);
    console.warn(`notice: ${name} not found; skipping the checks that need it (${install})`);
  }
  return false;
}
