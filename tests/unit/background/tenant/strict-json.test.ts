/** Strict decoding (docs/admin.md §3.1–3.2): duplicate keys, canonical base64, valid UTF-8. */
import { describe, expect, it } from 'vitest';
import { decodeStrictBase64, decodeStrictUtf8, findDuplicateKey, parseStrictJson } from '../../../../src/background/tenant/strict-json';
import { isTenantPolicyError } from '../../../../src/background/tenant/errors';
// @ts-expect-error -- plain-Node .mjs without declarations (checked on its own: npx tsc -p tools/tenant-policy)
import { findDuplicateKey as cliFindDuplicateKey } from '../../../../tools/tenant-policy/lib/files.mjs';

const malformed = (fn: () => unknown): void => {
  try {
    fn();
  } catch (error) {
    expect(isTenantPolicyError(error) && error.code).toBe('malformed');
    return;
  }
  throw new Error('expected malformed');
};

describe('findDuplicateKey (extension and CLI)', () => {
  const cases: [string, string | undefined][] = [
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', 'a'],
    ['{"a":{"b":1},"c":{"b":2}}', undefined],
    ['{"a":{"b":1,"b":2}}', 'b'],
    ['{"a":"\\u0062","\\u0061":1}', 'a'], // the escaped key is the same key
    ['[{"a":1},{"a":1}]', undefined],
    ['{"x":["a","a",{"a":1}],"y":"a"}', undefined],
    ['{"s":"\\"}{,\\"","s":1}', 's'],
    ['{"":1,"":2}', ''],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    expect(findDuplicateKey(text)).toBe(expected);
    expect(cliFindDuplicateKey(text)).toBe(expected);
  });

  it('parseStrictJson refuses duplicates that JSON.parse would silently merge', () => {
    expect(JSON.parse('{"mode":"required","mode":"disabled"}')).toEqual({ mode: 'disabled' });
    malformed(() => parseStrictJson('{"mode":"required","mode":"disabled"}', 'x'));
    malformed(() => parseStrictJson('{"a":', 'x'));
  });
});

describe('strict base64 and UTF-8', () => {
  it('takes only canonical padded standard base64', () => {
    expect(Array.from(decodeStrictBase64('AAEC', 'x'))).toEqual([0, 1, 2]);
    expect(Array.from(decodeStrictBase64('', 'x'))).toEqual([]);
    for (const bad of ['AAE', 'AA EC', 'AAE=\n', 'AB==', '-_-_', 'AAEC====']) malformed(() => decodeStrictBase64(bad, 'x'));
  });

  it('refuses invalid UTF-8 and a byte order mark', () => {
    expect(decodeStrictUtf8(new TextEncoder().encode('ü'), 'x')).toBe('ü');
    malformed(() => decodeStrictUtf8(Uint8Array.of(0xc3), 'x'));
    malformed(() => decodeStrictUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d), 'x'));
  });
});
