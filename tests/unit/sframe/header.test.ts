/**
 * SFrame header (RFC 9605 §4.3): property round trips, minimality, malformed input, encoder range checks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHeader } from '../../../src/sframe/header';
import { encodeHeader, headerLength } from './support/reference/header';
import { UINT64_MAX, bytesArb, expectSFrameError, referenceHeader, uint64Arb } from './support/helpers';

const minimalBytes = (v: bigint): number => (v < 8n ? 0 : Math.ceil(v.toString(16).length / 2));

describe('SFrame header', () => {
  it('round-trips any KID and CTR with the minimal encoding', () => {
    fc.assert(
      fc.property(uint64Arb, uint64Arb, bytesArb(8), (kid, ctr, trailer) => {
        const encoded = encodeHeader(kid, ctr);
        expect(encoded.length).toBe(1 + minimalBytes(kid) + minimalBytes(ctr));
        expect(encoded.length).toBe(headerLength(kid, ctr));
        // Extended fields never start with a zero byte (minimum number of bytes, §4.3).
        if (kid >= 8n) expect(encoded[1]).not.toBe(0);
        if (ctr >= 8n) expect(encoded[1 + minimalBytes(kid)]).not.toBe(0);
        expect(decodeHeader(encoded)).toEqual({ kid, ctr, headerLength: encoded.length });
        expect(decodeHeader(new Uint8Array([...encoded, ...trailer]))).toEqual({
          kid,
          ctr,
          headerLength: encoded.length,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('decodes arbitrary bytes exactly like the reference reading, or fails with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb(20), async (bytes) => {
        const ref = referenceHeader(bytes);
        if (!ref.ok) {
          await expectSFrameError(() => decodeHeader(bytes), 'truncated-header');
        } else {
          expect(decodeHeader(bytes)).toEqual({ kid: ref.kid, ctr: ref.ctr, headerLength: ref.length });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reports an empty buffer as truncated-header', async () => {
    await expectSFrameError(() => decodeHeader(new Uint8Array(0)), 'truncated-header');
  });

  it('reports KLEN/CLEN running past the buffer as truncated-header', async () => {
    await expectSFrameError(() => decodeHeader(new Uint8Array([0x80])), 'truncated-header'); // KLEN 1, no byte
    // CLEN 8 with only 7 bytes after the config byte.
    await expectSFrameError(() => decodeHeader(new Uint8Array([0x0f, 1, 2, 3, 4, 5, 6, 7])), 'truncated-header');
    await expectSFrameError(() => decodeHeader(new Uint8Array([0xff, ...new Array(15).fill(0xff)])), 'truncated-header');
    expect(decodeHeader(new Uint8Array([0xff, ...new Array(16).fill(0xff)]))).toEqual({
      kid: UINT64_MAX,
      ctr: UINT64_MAX,
      headerLength: 17,
    });
  });

  it('accepts non-minimal encodings on decode (the header is authenticated as AAD)', () => {
    expect(decodeHeader(new Uint8Array([0x80, 0x05]))).toEqual({ kid: 5n, ctr: 0n, headerLength: 2 });
    expect(decodeHeader(new Uint8Array([0x09, 0x00, 0x08]))).toEqual({ kid: 0n, ctr: 8n, headerLength: 3 });
  });

  it('encodes the boundaries between inline and extended forms', () => {
    expect([...encodeHeader(7n, 7n)]).toEqual([0x77]);
    expect([...encodeHeader(8n, 0n)]).toEqual([0x80, 0x08]);
    expect([...encodeHeader(0n, 8n)]).toEqual([0x08, 0x08]);
    expect([...encodeHeader(0x100n, 0x10000n)]).toEqual([0x9a, 0x01, 0x00, 0x01, 0x00, 0x00]);
  });

  it('rejects KID/CTR outside 0..2^64-1 with length-overflow', async () => {
    await expectSFrameError(() => encodeHeader(UINT64_MAX + 1n, 0n), 'length-overflow');
    await expectSFrameError(() => encodeHeader(0n, UINT64_MAX + 1n), 'length-overflow');
    await expectSFrameError(() => encodeHeader(-1n, 0n), 'length-overflow');
    await expectSFrameError(() => encodeHeader(0n, -1n), 'length-overflow');
  });

  it('rejects wrong argument types with invalid-argument', async () => {
    await expectSFrameError(() => encodeHeader(1 as unknown as bigint, 0n), 'invalid-argument');
    await expectSFrameError(() => encodeHeader(0n, '1' as unknown as bigint), 'invalid-argument');
    await expectSFrameError(() => decodeHeader([0x00] as unknown as Uint8Array), 'invalid-argument');
    await expectSFrameError(() => decodeHeader(new Uint16Array(2) as unknown as Uint8Array), 'invalid-argument');
    await expectSFrameError(() => decodeHeader(null as unknown as Uint8Array), 'invalid-argument');
  });
});
