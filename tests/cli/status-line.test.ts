import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { CLI, makeProject, SECRET } from '../helpers/project.js';
import { smtpError, startSmtp, type Smtp } from '../helpers/smtp.js';
import { tool } from '../helpers/tools.js';

let smtp: Smtp | undefined;
afterEach(() => smtp?.close());

/** Runs the CLI on a pseudo-terminal (script(1)), both streams on it as on a screen, and returns what the terminal received. */
function onTerminal(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the SMTP server answering the send lives in this process.
    const child = spawn('script', ['-qfec', [process.execPath, CLI, ...args].join(' '), '/dev/null'], { cwd, env: { PATH: process.env.PATH, TERM: 'dumb', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (screen += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

/**
 * The lines a terminal shows at the end: `\r` returns to the first column, `ESC [K` clears to the
 * end of the line, text overwrites from the cursor, `\n` ends the line.
 */
function shownLines(bytes: string): string[] {
  const lines: string[] = [];
  let line = '';
  let col = 0;
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i]!;
    if (bytes.startsWith('\x1b[K', i)) {
      line = line.slice(0, col);
      i += 2;
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      lines.push(line);
      line = '';
      col = 0;
    } else {
      line = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

describe('the status line of a send on a terminal', () => {
  it('never shares a line with a log line: it is cleared before each one and drawn again after', async () => {
    if (!tool('script')) return;
    const project = makeProject({ articles: 'none', config: TEST_SHEET });
    project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
    const readers = subscriberList(24);
    await project.addSubscribers(readers);
    // Slow enough for the status line to be drawn between messages; every sixth reader refused, which logs a warning mid-run.
    const refused = new Set(readers.filter((_, i) => i % 6 === 5));
    smtp = await startSmtp({
      onRcpt: (to) => (refused.has(to) ? smtpError(550, '5.1.1 Mailbox unavailable') : undefined),
      afterData: () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 60)),
    });

    const { code, screen } = await onTerminal(['send'], project.dir, { BROADSHEET_SECRET: SECRET, SMTP_URL: smtp.url });
    expect(code).toBe(1); // four deliveries failed
    const lines = shownLines(screen);
    const status = /issue 1 \[[#.]{20}\] \d+\/24/;
    const failures = lines.filter((l) => l.includes('delivery failed'));
    expect(failures).toHaveLength(4);
    for (const l of failures) expect(l).not.toMatch(status);
    // The status line was on the screen while the warnings were written, and it ends complete on a line of its own.
    const raw = screen.indexOf('delivery failed');
    expect(screen.slice(0, raw)).toMatch(status);
    expect(lines.filter((l) => status.test(l))).toEqual(['issue 1 [####################] 24/24  accepted 20  failed 4  pending 0']);
  }, 60_000);
});
