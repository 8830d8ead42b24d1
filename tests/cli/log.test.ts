import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { loggablePath } from '../../src/server/server.js';
import { CLOCK } from '../helpers/project.js';

describe('logs never carry secrets', () => {
  const secret = 'pa"ss\\word';
  for (const format of ['text', 'json'] as const) {
    it(`redacts a secret with quotes and backslashes (${format})`, () => {
      const lines: string[] = [];
      const log = createLogger({ format, write: (l) => lines.push(l), clock: CLOCK, secrets: [secret] });
      log.warn(`login as ${secret} failed`, { url: `smtp://user:${secret}@host`, note: 'plain' });
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toContain('pa"ss');
      expect(lines[0]).not.toContain('pa\\"ss');
      expect(lines[0]).toContain('[redacted]');
      expect(lines[0]).toContain('plain');
    });
  }

  it('masks unsubscribe tokens, also behind percent-encoding', () => {
    expect(loggablePath('/unsubscribe/abc.def?x=1')).toBe('/unsubscribe/[token]');
    expect(loggablePath('/%75nsubscribe/abc.def')).toBe('/unsubscribe/[token]');
    expect(loggablePath('/rss.xml')).toBe('/rss.xml');
  });
});
