import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken, verifyUnsubscribeToken } from '../../src/delivery/tokens.js';
import { BroadsheetError } from '../../src/errors.js';
import { SECRET } from '../helpers/project.js';

describe('unsubscribe tokens', () => {
  it('round-trip to the address they were made for, and are stable', () => {
    for (const email of ['ann@example.org', 'o.connor+news@sub.example.co.uk', 'x@xn--bcher-kva.example']) {
      const token = createUnsubscribeToken(SECRET, email);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(createUnsubscribeToken(SECRET, email)).toBe(token);
      expect(verifyUnsubscribeToken(SECRET, token)).toBe(email);
    }
    expect(createUnsubscribeToken(SECRET, 'ann@example.org')).not.toBe(createUnsubscribeToken(SECRET, 'bo@example.org'));
  });

  it('are opaque: neither the address nor its base64 appears in them', () => {
    const email = 'ann@example.org';
    const token = createUnsubscribeToken(SECRET, email);
    expect(token).not.toContain('ann');
    expect(token).not.toContain(Buffer.from(email).toString('base64url').slice(0, 8));
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('example');
  });

  it('rejects a token made with another secret', () => {
    expect(verifyUnsubscribeToken(SECRET, createUnsubscribeToken('YHyCnq/Bv1QvrHIHXNaR5YYzT5YoP6CqN+xtO8onmCk=', 'ann@example.org'))).toBeUndefined();
  });

  it('rejects every single-character alteration, truncation and extension', () => {
    const token = createUnsubscribeToken(SECRET, 'ann@example.org');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let tried = 0;
    for (let i = 0; i < token.length; i++) {
      for (const c of ['A', 'z', '_']) {
        if (token[i] === c) continue;
        const altered = token.slice(0, i) + c + token.slice(i + 1);
        tried++;
        expect(verifyUnsubscribeToken(SECRET, altered), `position ${i} → ${c}`).toBeUndefined();
      }
    }
    expect(tried).toBeGreaterThan(token.length * 2);
    for (let n = 0; n < token.length; n++) expect(verifyUnsubscribeToken(SECRET, token.slice(0, n))).toBeUndefined();
    for (const c of alphabet.slice(0, 8)) expect(verifyUnsubscribeToken(SECRET, token + c)).toBeUndefined();
  });

  it('rejects garbage without throwing', () => {
    for (const t of ['', '!!!!', 'a'.repeat(10_000), 'abc def', '..', 'AQ']) expect(verifyUnsubscribeToken(SECRET, t)).toBeUndefined();
  });

  it('needs a secret: SECRET_MISSING', () => {
    expect(() => createUnsubscribeToken('', 'ann@example.org')).toThrow(BroadsheetError);
    try {
      verifyUnsubscribeToken('', 'x');
    } catch (e) {
      expect((e as BroadsheetError).code).toBe('SECRET_MISSING');
      return;
    }
    throw new Error('expected SECRET_MISSING');
  });
});
