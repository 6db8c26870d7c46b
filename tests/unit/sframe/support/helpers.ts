/**
 * Shared helpers for the SFrame unit tests: fast-check arbitraries, an independent reference reading of
 * the RFC 9605 §4.3 header layout (the oracle for tampering tests), and typed-error assertions.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { SFrameErrorCode } from '../../../../src/sframe/errors';
import { isSFrameError } from '../../../../src/sframe/errors';
import type { CipherSuiteId } from '../../../../src/sframe/suites';

export const UINT64_MAX = 2n ** 64n - 1n;
export const SUITE_IDS: readonly CipherSuiteId[] = [1, 2, 3, 4, 5];

/** A uint64 spread over every encoded length: inline values 0..7, then each byte length 1..8 equally. */
export const uint64Arb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 7n }),
  fc.integer({ min: 4, max: 64 }).chain((bits) =>
    fc.bigInt({ min: 1n << BigInt(bits - 1), max: (1n << BigInt(bits)) - 1n }),
  ),
  fc.constantFrom(8n, 255n, 256n, UINT64_MAX),
);

export const bytesArb = (maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: 0, maxLength });

/** A fixed, valid base key (16..64 bytes) for a given seed. */
export function baseKeyFor(seed: number, length = 32): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7 + 1) & 0xff);
}

/** Independent reading of RFC 9605 §4.3, used as an oracle: lengths first, values only if they fit. */
export function referenceHeader(frame: Uint8Array):
  | { ok: false; reason: 'empty' | 'short' }
  | { ok: true; kid: bigint; ctr: bigint; length: number } {
  if (frame.length === 0) return { ok: false, reason: 'empty' };
  const config = frame[0] as number;
  const x = config >> 7;
  const k = (config >> 4) & 7;
  const y = (config >> 3) & 1;
  const c = config & 7;
  const klen = x === 1 ? k + 1 : 0;
  const clen = y === 1 ? c + 1 : 0;
  const length = 1 + klen + clen;
  if (length > frame.length) return { ok: false, reason: 'short' };
  const be = (from: number, n: number): bigint =>
    frame.subarray(from, from + n).reduce((acc, b) => acc * 256n + BigInt(b), 0n);
  return {
    ok: true,
    kid: x === 1 ? be(1, klen) : BigInt(k),
    ctr: y === 1 ? be(1 + klen, clen) : BigInt(c),
    length,
  };
}

/** Asserts that the action rejects/throws an SFrameError with exactly `code`. */
export async function expectSFrameError(action: () => unknown, code: SFrameErrorCode): Promise<void> {
  let outcome: unknown;
  try {
    await action();
  } catch (e) {
    outcome = e;
    if (!isSFrameError(e)) {
      throw new Error(`expected SFrameError '${code}', got ${String(e)}`, { cause: e });
    }
    expect(e.code).toBe(code);
    return;
  }
  throw new Error(`expected SFrameError '${code}', but the call succeeded (${String(outcome)})`);
}

/** Returns a copy of `bytes` with bit `bit` (0 = MSB of byte 0) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const index = Math.floor(bit / 8);
  out[index] = (out[index] as number) ^ (0x80 >> (bit % 8));
  return out;
}
