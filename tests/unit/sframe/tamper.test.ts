/**
 * Integrity (RFC 9605 §4.4.4): flipping any single bit of the header, ciphertext, tag or metadata, or
 * truncating or extending a frame, makes decryption fail with exactly the SFrameError code that the
 * altered bytes call for. The expected code is computed from an independent reading of the header
 * layout (support/helpers.ts `referenceHeader`), never accepted loosely.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SFrameErrorCode } from '../../../src/sframe/errors';
import type { CipherSuite } from '../../../src/sframe/suites';
import { cipherSuite } from '../../../src/sframe/suites';
import { SFrameReceiver, SFrameSender } from './support/reference/context';
import {
  SUITE_IDS,
  baseKeyFor,
  bytesArb,
  expectSFrameError,
  flipBit,
  referenceHeader,
  uint64Arb,
} from './support/helpers';

/** What decrypting `frame` (altered from a genuine frame under `kid`) must fail with. */
function expectedFailure(suite: CipherSuite, kid: bigint, frame: Uint8Array): SFrameErrorCode {
  const ref = referenceHeader(frame);
  if (!ref.ok) return 'truncated-header';
  if (ref.kid !== kid) return 'unknown-kid'; // the receiver only holds the genuine KID
  if (frame.length - ref.length < suite.nt) return 'truncated-ciphertext';
  return 'authentication-failed'; // header (AAD or nonce), ciphertext, tag or metadata changed
}

interface Sample {
  readonly suite: CipherSuite;
  readonly kid: bigint;
  readonly frame: Uint8Array;
  readonly metadata: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly receiver: SFrameReceiver;
}

async function sample(
  suite: CipherSuite,
  kid: bigint,
  ctr: bigint,
  plaintext: Uint8Array,
  metadata: Uint8Array,
): Promise<Sample> {
  const baseKey = baseKeyFor(Number(kid % 251n));
  const sender = await SFrameSender.create({ suite: suite.id, kid, baseKey, initialCounter: ctr });
  const frame = await sender.encrypt(plaintext, metadata);
  const receiver = new SFrameReceiver({ suite: suite.id });
  await receiver.addKey(kid, baseKey);
  return { suite, kid, frame, metadata, plaintext, receiver };
}

/** After failed attempts the genuine frame must still decrypt: failures never touch the replay window. */
async function expectGenuineStillAccepted(s: Sample): Promise<void> {
  const out = await s.receiver.decrypt(s.frame, s.metadata);
  expect([...out.plaintext]).toEqual([...s.plaintext]);
}

const ctrArb = fc.bigInt({ min: 0n, max: 2n ** 64n - 2n });

describe.each(SUITE_IDS.map((id) => cipherSuite(id)))('tampering, suite $id ($name)', (suite) => {
  it('every header bit flip fails with the code the altered header calls for', async () => {
    await fc.assert(
      fc.asyncProperty(uint64Arb, ctrArb, bytesArb(40), bytesArb(16), async (kid, ctr, plaintext, metadata) => {
        const s = await sample(suite, kid, ctr, plaintext, metadata);
        const headerBits = 8 * (referenceHeader(s.frame) as { length: number }).length;
        for (let bit = 0; bit < headerBits; bit += 1) {
          const altered = flipBit(s.frame, bit);
          await expectSFrameError(() => s.receiver.decrypt(altered, metadata), expectedFailure(suite, kid, altered));
        }
        await expectGenuineStillAccepted(s);
      }),
      { numRuns: 8 },
    );
  });

  it('a bit flip in the ciphertext, tag or metadata fails with authentication-failed', async () => {
    await fc.assert(
      fc.asyncProperty(
        uint64Arb,
        ctrArb,
        bytesArb(200),
        bytesArb(24),
        fc.nat(),
        fc.constantFrom('ciphertext', 'tag', 'metadata'),
        async (kid, ctr, plaintext, metadata, pick, region) => {
          fc.pre(region !== 'ciphertext' || plaintext.length > 0);
          fc.pre(region !== 'metadata' || metadata.length > 0);
          const s = await sample(suite, kid, ctr, plaintext, metadata);
          const tagStart = s.frame.length - suite.nt;
          const ctStart = tagStart - plaintext.length;
          let frame = s.frame;
          let meta = metadata;
          if (region === 'metadata') meta = flipBit(metadata, pick % (8 * metadata.length));
          else if (region === 'tag') frame = flipBit(s.frame, 8 * tagStart + (pick % (8 * suite.nt)));
          else frame = flipBit(s.frame, 8 * ctStart + (pick % (8 * plaintext.length)));
          await expectSFrameError(() => s.receiver.decrypt(frame, meta), 'authentication-failed');
          await expectGenuineStillAccepted(s);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('every bit of sample frames and their metadata, flipped in turn, is detected', async () => {
    const seen = new Set<SFrameErrorCode>();
    const samples: [bigint, bigint, number][] = [
      [0x1_0000n, 0x123n, 12], // extended KID and CTR
      [7n, 0n, 0], // inline KID and CTR, empty plaintext: flag flips overflow or truncate
      [8n, 8n, 2],
    ];
    for (const [kid, ctr, ptLength] of samples) {
      const plaintext = Uint8Array.from({ length: ptLength }, (_, i) => i);
      const s = await sample(suite, kid, ctr, plaintext, new Uint8Array([9, 8, 7]));
      for (let bit = 0; bit < 8 * s.frame.length; bit += 1) {
        const altered = flipBit(s.frame, bit);
        const expected = expectedFailure(suite, s.kid, altered);
        seen.add(expected);
        await expectSFrameError(() => s.receiver.decrypt(altered, s.metadata), expected);
      }
      for (let bit = 0; bit < 8 * s.metadata.length; bit += 1) {
        await expectSFrameError(() => s.receiver.decrypt(s.frame, flipBit(s.metadata, bit)), 'authentication-failed');
      }
      await expectSFrameError(() => s.receiver.decrypt(s.frame), 'authentication-failed'); // metadata dropped
      await expectGenuineStillAccepted(s);
    }
    // The oracle's branches were all exercised. One bit flip grows a genuine header by at most 8 bytes
    // (X: inline -> KLEN up to 8), and the tag alone is Nt bytes: only a 4-byte tag lets it run past the end.
    const reachable: SFrameErrorCode[] = ['authentication-failed', 'truncated-ciphertext', 'unknown-kid'];
    if (suite.nt < 8) reachable.push('truncated-header');
    expect([...seen].sort()).toEqual(reachable.sort());
  });

  it('every truncation of a valid frame gives the typed error for its length', async () => {
    await fc.assert(
      fc.asyncProperty(uint64Arb, ctrArb, bytesArb(48), bytesArb(8), async (kid, ctr, plaintext, metadata) => {
        const s = await sample(suite, kid, ctr, plaintext, metadata);
        const headerLen = (referenceHeader(s.frame) as { length: number }).length;
        for (let length = 0; length < s.frame.length; length += 1) {
          const expected: SFrameErrorCode =
            length < headerLen
              ? 'truncated-header'
              : length - headerLen < suite.nt
                  ? 'truncated-ciphertext'
                  : 'authentication-failed';
          await expectSFrameError(() => s.receiver.decrypt(s.frame.subarray(0, length), metadata), expected);
        }
        await expectGenuineStillAccepted(s);
      }),
      { numRuns: 8 },
    );
  });

  it('appended bytes fail with authentication-failed', async () => {
    const s = await sample(suite, 5n, 77n, new Uint8Array(10), new Uint8Array(0));
    for (const extra of [[0], [0xff, 0x00], new Array(16).fill(0)]) {
      const extended = new Uint8Array([...s.frame, ...extra]);
      await expectSFrameError(() => s.receiver.decrypt(extended), 'authentication-failed');
    }
    await expectGenuineStillAccepted(s);
  });

  it('a frame under the same KID but another base key fails with authentication-failed', async () => {
    const s = await sample(suite, 42n, 0n, new Uint8Array(30), new Uint8Array(0));
    const other = new SFrameReceiver({ suite: suite.id });
    await other.addKey(42n, baseKeyFor(200));
    await expectSFrameError(() => other.decrypt(s.frame), 'authentication-failed');
  });
});
