import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runDigestJob, type JobOptions, type JobResult } from '../../src/pipeline/digest-job.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { Logger } from '../../src/log.js';

export const SECRET = 'test-secret-0123456789';
export const NOW = '2025-09-01T07:00:00Z';
export const REPO = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

export interface Project {
  dir: string;
  configFile: string;
  config: Config;
  /** Writes an article file into the project's articles/ folder. */
  article(slug: string, fields: { title: string; date: string; description?: string; related?: string[]; body?: string }): Promise<void>;
  addSubscribers(list: readonly (string | { email: string; name?: string })[]): Promise<void>;
  store(): Promise<Store>;
  reload(): Promise<Config>;
  cleanup(): Promise<void>;
}

export function configYaml(extra = ''): string {
  return `site:
  title: The Test Sheet
  url: https://news.example.test/
  language: en
  description: Test news.
  author:
    name: Test Desk
    email: desk@example.test
content:
  dir: articles
  permalink: "{slug}/"
output:
  dir: output
digest:
  maxTeasers: 6
email:
  from: "The Test Sheet <digest@example.test>"
  replyTo: "Test Desk <desk@example.test>"
  unsubscribeMailto: leave@example.test
  maxConnections: 3
data:
  dir: data
${extra}`;
}

export async function makeProject(opts: { extraConfig?: string } = {}): Promise<Project> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-delivery-'));
  const configFile = path.join(dir, 'broadsheet.config.yaml');
  await mkdir(path.join(dir, 'articles'));
  await cp(path.join(REPO, 'email-templates'), path.join(dir, 'email-templates'), { recursive: true });
  await writeFile(configFile, configYaml(opts.extraConfig));
  const project: Project = {
    dir,
    configFile,
    config: undefined as unknown as Config,
    async article(slug, f) {
      const fm = [
        '---',
        `title: ${JSON.stringify(f.title)}`,
        `date: ${f.date}`,
        `description: ${JSON.stringify(f.description ?? `About ${f.title}.`)}`,
        ...(f.related ? [`related: [${f.related.join(', ')}]`] : []),
        '---',
        f.body ?? `The story of ${f.title}.\n\nA second paragraph.`,
        '',
      ].join('\n');
      await writeFile(path.join(dir, 'articles', `${slug}.md`), fm);
    },
    async addSubscribers(list) {
      const store = await project.store();
      try {
        await store.addSubscribers(list.map((s) => (typeof s === 'string' ? { email: s } : s)), new Date(NOW), { resubscribe: true });
      } finally {
        await store.close();
      }
    },
    store: () => openStore(project.config.paths.data),
    async reload() {
      project.config = await loadConfig(configFile);
      return project.config;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  await project.reload();
  return project;
}

/** Log lines kept for assertions. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (event: string, fields?: object) => lines.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`);
  return { lines, info: rec('info'), warn: rec('warn'), error: rec('error') };
}

export function jobOptions(project: Project, store: Store, smtp: Smtp | undefined, over: Partial<JobOptions> = {}): JobOptions {
  return {
    config: project.config,
    store,
    clock: fixedClock(NOW),
    log: memoryLogger(),
    signal: new AbortController().signal,
    env: { BROADSHEET_SECRET: SECRET, ...(smtp ? { SMTP_URL: smtp.url } : {}) },
    smtp: { timeoutMs: 2000 },
    retry: { attempts: 3, backoffMs: 10 },
    ...over,
  };
}

/** One run of the digest job against the project's store, opened for the run and closed after it. */
export async function runJob(project: Project, smtp: Smtp | undefined, over: Partial<JobOptions> = {}): Promise<JobResult> {
  const store = await project.store();
  try {
    return await runDigestJob(jobOptions(project, store, smtp, over));
  } finally {
    await store.close();
  }
}

export interface Received {
  to: string[];
  raw: Buffer;
}

export interface SmtpBehaviour {
  /** Reply to a new connection: throw-style error to refuse it. */
  onConnect?(session: SMTPServerSession, index: number): Error | undefined;
  onRcpt?(address: string, session: SMTPServerSession): Error | undefined;
  /**
   * Runs once the message is read; may delay, destroy the socket, or return an error reply.
   * 'hang' never answers and does not keep the message; 'silent' keeps it (it is delivered) and never answers.
   */
  afterData?(received: Received, session: SMTPServerSession, index: number): Promise<AfterData> | AfterData;
}

export type AfterData = Error | undefined | 'drop' | 'hang' | 'silent';

export interface Smtp {
  url: string;
  port: number;
  received: Received[];
  connections: number;
  /** Accepted messages per recipient address. */
  countsByRecipient(): Map<string, number>;
  parsed(): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A real SMTP server on 127.0.0.1, port 0, that keeps every message it accepts. */
export async function startSmtp(behaviour: SmtpBehaviour = {}): Promise<Smtp> {
  const received: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let connections = 0;
  let dataCount = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onConnect(session, cb) {
      const err = behaviour.onConnect?.(session, connections++);
      cb(err ?? undefined);
    },
    onRcptTo(address, session, cb) {
      const err = behaviour.onRcpt?.(address.address, session);
      cb(err ?? undefined);
    },
    onData(stream: SMTPServerDataStream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const msg: Received = { to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) };
        const verdict = await behaviour.afterData?.(msg, session, dataCount++);
        if (verdict === 'hang') return;
        if (verdict === 'silent') {
          received.push(msg);
          return;
        }
        if (verdict === 'drop') {
          for (const s of sockets) if ((s.remotePort ?? 0) === session.remotePort) s.destroy();
          return;
        }
        if (verdict instanceof Error) return cb(verdict);
        received.push(msg);
        cb(null, 'Ok: queued');
      });
    },
  });
  // A sender killed mid-message resets its connections: that is the point of some tests, not an error.
  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') throw e;
  });
  server.server.on('connection', (s: import('node:net').Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    get connections() {
      return connections;
    },
    countsByRecipient() {
      const m = new Map<string, number>();
      for (const r of received) for (const to of r.to) m.set(to, (m.get(to) ?? 0) + 1);
      return m;
    },
    parsed: () => Promise.all(received.map((r) => simpleParser(r.raw))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/cli.js) in the project folder. */
export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...opts.env };
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export const subscriberList = (n: number, domain = 'example.org') => Array.from({ length: n }, (_, i) => `reader${String(i + 1).padStart(3, '0')}@${domain}`);
