/** The one strict spelling of the values that cross the runtime ports (shared/formats.ts): base64 byte strings. */
import { describe, expect, it } from 'vitest';
import { isBase64Of } from '../../../src/shared/formats';

describe('isBase64Of', () => {
  it('accepts exactly the canonical padded encoding of the given length', () => {
    for (const length of [0, 1, 2, 3, 32, 40, 64]) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff));
      expect(isBase64Of(bytes.toString('base64'), length)).toBe(true);
      expect(isBase64Of(bytes.toString('base64'), length + 1)).toBe(false);
    }
  });

  it.each<[string, unknown, number]>([
    ['no padding', 'AQ', 1],
    ['URL-safe characters', '-_-_', 3],
    ['stray bits before ==', 'AR==', 1],
    ['stray bits before =', 'AAB=', 2],
    ['whitespace', ' AQ=', 1],
    ['a number', 12, 1],
  ])('refuses %s', (_name, value, length) => {
    expect(isBase64Of(value, length)).toBe(false);
  });
});
