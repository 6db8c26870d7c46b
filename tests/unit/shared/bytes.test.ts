/**
 * The one home of the byte helpers (src/shared/bytes.ts): big-endian integers as RFC 9605 writes KIDs and counters
 * (§4.3), the two ways into WebCrypto (always a copy, or a copy only when needed), order and zero checks.
 */
import { describe, expect, it } from 'vitest';
import { byteLengthOf } from '../sframe/support/reference/header';
import {
  bufferSource,
  compareBytes,
  copyBytes,
  encodeBigEndian,
  isAllZero,
  readBigEndian,
  writeBigEndian,
} from '../../../src/shared/bytes';

describe('shared bytes', () => {
  it('writes and reads big-endian integers of 1..8 bytes, exactly beyond 2^53', () => {
    for (const value of [1n, 0xffn, 0x100n, 0x1234_5678_9abcn, 0x0020_0000_0000_0001n, 0xffff_ffff_ffff_ffffn]) {
      const length = byteLengthOf(value);
      const bytes = encodeBigEndian(value, length);
      expect(bytes[0]).not.toBe(0);
      expect(readBigEndian(bytes, 0, length)).toBe(value);
    }
    expect([...encodeBigEndian(0x0102n, 4)]).toEqual([0, 0, 1, 2]);
    const out = new Uint8Array(6).fill(0xee);
    writeBigEndian(out, 1, 3, 0x0a0b0cn);
    expect([...out]).toEqual([0xee, 0x0a, 0x0b, 0x0c, 0xee, 0xee]);
    expect(byteLengthOf(0xffff_ffff_ffff_ffffn)).toBe(8);
  });

  it('copies into a fresh ArrayBuffer always, or only for a view that WebCrypto would refuse', () => {
    const plain = Uint8Array.of(1, 2, 3);
    const copy = copyBytes(plain);
    expect(copy).toEqual(plain);
    expect(copy.buffer).not.toBe(plain.buffer);
    expect(bufferSource(plain)).toBe(plain);
    const shared = new Uint8Array(new SharedArrayBuffer(3));
    shared.set(plain);
    const source = bufferSource(shared);
    expect(source.buffer).toBeInstanceOf(ArrayBuffer);
    expect(source).toEqual(plain);
  });

  it('orders byte strings lexicographically and finds all-zero ones', () => {
    expect(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.of(1, 2, 0), Uint8Array.of(1, 2))).toBeGreaterThan(0);
    expect(compareBytes(Uint8Array.of(7), Uint8Array.of(7))).toBe(0);
    expect(isAllZero(new Uint8Array(32))).toBe(true);
    expect(isAllZero(Uint8Array.of(0, 0, 1))).toBe(false);
  });
});
