import { spawnSync } from 'node:child_process';
import { postgresBinDir } from '../../scripts/pg-cluster.mjs';

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
export function hasPostgres(): boolean {
  return !!process.env.BROADSHEET_TEST_DATABASE_URL || postgresBinDir() !== undefined;
}

export function hasHugo(): boolean {
  return probe('hugo', 'hugo', ['version']);
}

export function hasGit(): boolean {
  return probe('git', 'git', ['--version']);
}

/** util-linux's script(1): runs a command on a pseudo-terminal, for what only a terminal gets. */
export function hasScript(): boolean {
  return probe('script', 'script', ['--version']);
}

export function hasCurl(): boolean {
  return probe('curl', 'curl', ['--version']);
}

const TOOLS = {
  xmllint: { present: hasXmllint, install: 'apt-get install libxml2-utils' },
  feedparser: { present: hasFeedparser, install: 'apt-get install python3-feedparser' },
  xsltproc: { present: hasXsltproc, install: 'apt-get install xsltproc' },
  // The example workflows run their steps: a Hugo site, a git branch for the ledger, curl.
  hugo: { present: hasHugo, install: 'apt-get install hugo' },
  git: { present: hasGit, install: 'apt-get install git' },
  curl: { present: hasCurl, install: 'apt-get install curl' },
  script: { present: hasScript, install: 'apt-get install bsdutils' },
  chromium: { present: hasChromium, install: 'apt-get install chromium' },
  spamassassin: { present: hasSpamassassin, install: 'apt-get install spamassassin' },
  python3: { present: hasPython, install: 'apt-get install python3' },
  // The durable-unsubscribe test watches the server's fsync before its answer.
  strace: { present: hasStrace, install: 'apt-get install strace' },
  // The shared store's tests: a throwaway cluster, or CI's (BROADSHEET_TEST_DATABASE_URL).
  postgresql: { present: hasPostgres, install: 'apt-get install postgresql' },
} as const;

/**
 * `true` when the tool is there. When it is missing: throws in CI, and
 * elsewhere prints a notice once and returns false so the caller can skip.
 */
export function tool(name: keyof typeof TOOLS): boolean {
  const present = TOOLS[name].present();
  if (present) return true;
  const { install } = TOOLS[name];
  if (toolsRequired) throw new Error(`${name} is required (BROADSHEET_REQUIRE_TOOLS=1) but missing: ${install}`);
  if (!cache.has(`notice:${name}`)) {
    cache.set(`notice:${name}`, true);
    console.warn(`notice: ${name} not found; skipping the checks that need it (${install})`);
  }
  return false;
}

/** A Docker engine, not only the client: `docker info` talks to the daemon. */
export function hasDockerEngine(): boolean {
  return probe('docker', 'docker', ['info']);
}

export function hasSystemdAnalyze(): boolean {
  return probe('systemd-analyze', 'systemd-analyze', ['--version']);
}

/**
 * For checks with a fallback that always runs (a Docker image built only
 * where an engine is; `systemd-analyze verify` beside structural checks): a
 * notice when the tool is missing, never a failure, even in CI.
 */
export function optionalTool(name: string, present: boolean, fallback: string): boolean {
  if (!present && !cache.has(`notice:${name}`)) {
    cache.set(`notice:${name}`, true);
    console.warn(`notice: ${name} is not available; ${fallback}`);
  }
  return present;
}
