/**
 * Encrypt/decrypt round trips for every cipher suite (RFC 9605 §4.4.3, §4.4.4, §4.5) with random KIDs,
 * counters, plaintexts and metadata, through both the stateful and the low-level API.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cipherSuite } from '../../../src/sframe/suites';
import { decodeHeader } from '../../../src/sframe/header';
import { encodeHeader } from './support/reference/header';
import { deriveSFrameKeys } from '../../../src/sframe/keys';
import { sframeDecrypt, sframeEncrypt } from './support/reference/frame';
import { SFrameReceiver, SFrameSender } from './support/reference/context';
import { SUITE_IDS, bytesArb, uint64Arb } from './support/helpers';

describe.each(SUITE_IDS.map((id) => cipherSuite(id)))('round trip, suite $id ($name)', (suite) => {
  it('SFrameSender → SFrameReceiver returns the plaintext, KID and CTR', async () => {
    await fc.assert(
      fc.asyncProperty(
        uint64Arb,
        fc.bigInt({ min: 0n, max: 2n ** 64n - 3n }),
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        bytesArb(1500),
        bytesArb(64),
        async (kid, firstCtr, baseKey, plaintext, metadata) => {
          const sender = await SFrameSender.create({ suite: suite.id, kid, baseKey, initialCounter: firstCtr });
          const receiver = new SFrameReceiver({ suite: suite.id });
          await receiver.addKey(kid, baseKey);
          for (const ctr of [firstCtr, firstCtr + 1n]) {
            const frame = await sender.encrypt(plaintext, metadata);
            const header = encodeHeader(kid, ctr);
            expect(frame.length).toBe(header.length + plaintext.length + suite.nt);
            expect([...frame.subarray(0, header.length)]).toEqual([...header]);
            const out = await receiver.decrypt(frame, metadata);
            expect(out.kid).toBe(kid);
            expect(out.ctr).toBe(ctr);
            expect([...out.plaintext]).toEqual([...plaintext]);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('sframeEncrypt → sframeDecrypt with explicit counters', async () => {
    const kid = 0x1234_5678n;
    const keys = await deriveSFrameKeys(suite.id, kid, new Uint8Array(32).fill(suite.id));
    await fc.assert(
      fc.asyncProperty(uint64Arb, bytesArb(600), bytesArb(40), async (ctr, plaintext, metadata) => {
        const frame = await sframeEncrypt(keys, kid, ctr, metadata, plaintext);
        expect(decodeHeader(frame)).toMatchObject({ kid, ctr });
        const out = await sframeDecrypt(keys, frame, metadata);
        expect([...out.plaintext]).toEqual([...plaintext]);
        expect(out.ctr).toBe(ctr);
      }),
      { numRuns: 40 },
    );
  });

  it('gives different ciphertexts for different counters of the same plaintext', async () => {
    const sender = await SFrameSender.create({ suite: suite.id, kid: 3n, baseKey: new Uint8Array(16) });
    const plaintext = new Uint8Array(64);
    const a = await sender.encrypt(plaintext);
    const b = await sender.encrypt(plaintext);
    expect([...a.subarray(1)]).not.toEqual([...b.subarray(1)]);
  });
});
