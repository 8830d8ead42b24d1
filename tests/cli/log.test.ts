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

  it('redacts secrets of any length; a short one where it stands alone, so that the words around it stay readable', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'text', write: (l) => lines.push(l), clock: CLOCK, secrets: ['d', 'pw', 'pwd', 'long-secret-value'] });
    log.warn('login failed', { reply: '535 bad pwd d for pw: smtp://u:pw@host/', echo: 'xlong-secret-valuex' });
    expect(lines).toEqual(['warn: login failed reply="535 bad [redacted] [redacted] for [redacted]: smtp://u:[redacted]@host/" echo=x[redacted]x\n']);
  });

  it('escapes control and bidirectional characters in text, and keeps JSON lines valid', () => {
    const lines: string[] = [];
    const clock = CLOCK;
    for (const format of ['text', 'json'] as const) {
      createLogger({ format, write: (l) => lines.push(l), clock }).info('request', { path: '/\u001b[2J\u0000\u009b\u202eevil' });
    }
    expect(lines[0]).toBe('request path="/\\u001b[2J\\u0000\\u009b\\u202eevil"\n');
    expect(JSON.parse(lines[1]!).path).toBe('/\u001b[2J\u0000\u009b\u202eevil');
    // eslint-disable-next-line no-control-regex
    for (const l of lines) expect(l.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('masks unsubscribe tokens, also behind percent-encoding', () => {
    expect(loggablePath('/unsubscribe/abc.def?x=1')).toBe('/unsubscribe/[token]');
    expect(loggablePath('/%75nsubscribe/abc.def')).toBe('/unsubscribe/[token]');
    expect(loggablePath('/rss.xml')).toBe('/rss.xml');
    expect(loggablePath('/unsubscribe//abc.def')).toBe('/unsubscribe/[token]');
    expect(loggablePath('/unsubscribe/%2fabc.def')).toBe('/unsubscribe/[token]');
    expect(loggablePath('/issues/')).toBe('/issues/');
  });
});
