/**
 * The worker's per-frame SFrame path (src/sframe/hot-path.ts) against the official RFC 9605 vectors directly
 * (Appendix C, the repository's copy: tests/unit/sframe/vectors/README.md), for what it supports: every cipher suite
 * (1-5), and KIDs and CTRs below 2^53 (safe integers; the path refuses the rest, and never makes such a frame).
 * - C.1 headers: `readFastHeader` decodes each one with safe values exactly and refuses the 93 beyond; the sealer
 *   writes the RFC's header for each safe (KID, CTR).
 * - C.3 full encryptions: the sealer makes the vector's ciphertext byte for byte, with room for the codec's clear
 *   prefix and the trailer around it; the opener returns the plaintext, then refuses the same frame as a replay and a
 *   frame with one bit flipped.
 */
import { describe, expect, it } from 'vitest';
import { isSFrameError } from '../../../src/sframe/errors';
import { deriveSFrameKeys } from '../../../src/sframe/keys';
import { FrameOpener, FrameSealer, readFastHeader } from '../../../src/sframe/hot-path';
import { loadVectors, toHex } from './support/vectors';

const vectors = loadVectors();
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const hex = (n: bigint): string => `0x${n.toString(16)}`;
const codeOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (error: unknown) => (isSFrameError(error) ? error.code : 'not an SFrameError'),
  );

describe('the hot path against the RFC 9605 vectors', () => {
  it('reads every C.1 header with a KID and CTR below 2^53, and refuses exactly the 93 beyond', () => {
    let refused = 0;
    for (const v of vectors.header) {
      const withPayload = new Uint8Array([0xaa, ...v.encoded, 0xff, 0x00]);
      const header = readFastHeader(withPayload, 1, withPayload.length);
      if (v.kid <= SAFE && v.ctr <= SAFE) {
        expect(header, `kid=${hex(v.kid)} ctr=${hex(v.ctr)}`).toEqual({ kid: Number(v.kid), ctr: Number(v.ctr), length: v.encoded.length });
        expect(readFastHeader(withPayload, 1, v.encoded.length)).toBeNull(); // truncated by one byte
      } else {
        expect(header, `kid=${hex(v.kid)} ctr=${hex(v.ctr)}`).toBeNull();
        refused++;
      }
    }
    expect(refused).toBe(93);
  });

  it('writes the C.1 header of every safe (KID, CTR) in front of what it seals', async () => {
    const baseKey = new Uint8Array(16).fill(7);
    const safe = vectors.header.filter((v) => v.kid <= SAFE && v.ctr <= SAFE);
    expect(safe).toHaveLength(289 - 93);
    const keysByKid = new Map<bigint, Awaited<ReturnType<typeof deriveSFrameKeys>>>();
    for (const v of safe) {
      let keys = keysByKid.get(v.kid);
      if (keys === undefined) keysByKid.set(v.kid, (keys = await deriveSFrameKeys(1, v.kid, baseKey)));
      const sealer = new FrameSealer(keys, Number(v.kid), Number(v.ctr));
      const out = await sealer.seal(new Uint8Array(0), new Uint8Array(0), 0, 0);
      expect(toHex(out.subarray(0, v.encoded.length)), `kid=${hex(v.kid)} ctr=${hex(v.ctr)}`).toBe(v.encodedHex);
    }
  });

  describe('C.3 SFrame encryption, every suite', () => {
    for (const v of vectors.sframe) {
      it(`suite ${v.cipherSuite}: the vector's ciphertext, its plaintext back, then a replay and a flipped bit refused`, async () => {
        const keys = await deriveSFrameKeys(v.cipherSuite as 1 | 2 | 3 | 4 | 5, v.kid, v.baseKey);
        const sealer = new FrameSealer(keys, Number(v.kid), Number(v.ctr));
        const sealed = await sealer.seal(v.pt, v.metadata, 3, 2);
        expect(sealed.length).toBe(3 + v.ct.length + 2);
        expect(toHex(sealed.subarray(3, 3 + v.ct.length))).toBe(toHex(v.ct));
        expect(sealer.nextCounter).toBe(Number(v.ctr) + 1);

        const header = readFastHeader(v.ct, 0, v.ct.length);
        expect(header).toEqual({ kid: Number(v.kid), ctr: Number(v.ctr), length: 5 }); // config | KID 0x0123 | CTR 0x4567
        const opener = new FrameOpener(keys, Number(v.kid));
        const opened = await opener.open(v.ct, header!, v.metadata, 2);
        expect(toHex(opened.subarray(2))).toBe(toHex(v.pt));
        expect(await codeOf(opener.open(v.ct, header!, v.metadata, 0))).toBe('replay');

        const tampered = v.ct.slice();
        tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
        const fresh = new FrameOpener(keys, Number(v.kid));
        expect(await codeOf(fresh.open(tampered, header!, v.metadata, 0))).toBe('authentication-failed');
        expect(await codeOf(fresh.open(v.ct, header!, new Uint8Array(v.metadata.length), 0))).toBe('authentication-failed');
        expect(toHex(await fresh.open(v.ct, header!, v.metadata, 0))).toBe(toHex(v.pt)); // failures left no trace
      });
    }
  });
});
