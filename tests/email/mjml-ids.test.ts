import { describe, expect, it } from 'vitest';
import { withIdsFrom } from '../../src/email/mjml.js';

const draws = (input: string) => withIdsFrom(input, () => [Math.random(), Math.random(), Math.random()]);

describe('withIdsFrom: the ids MJML draws from Math.random', () => {
  it('are the same for the same input and differ for another', () => {
    expect(draws('<mjml>a</mjml>')).toEqual(draws('<mjml>a</mjml>'));
    expect(draws('<mjml>a</mjml>')).not.toEqual(draws('<mjml>b</mjml>'));
    for (const x of draws('<mjml>a</mjml>')) expect(x >= 0 && x < 1).toBe(true);
  });

  it('leave Math.random as it was after the render, even one that throws', () => {
    const random = Math.random;
    expect(() =>
      withIdsFrom('x', () => {
        throw new Error('invalid markup');
      }),
    ).toThrow('invalid markup');
    expect(Math.random).toBe(random);
    draws('y');
    expect(Math.random).toBe(random);
  });
});
