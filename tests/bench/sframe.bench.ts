/**
 * Per-frame cost of the hot path, in Node's WebCrypto: SFrame encrypt and decrypt (suite 4, AES-128-GCM, and
 * suite 1 for comparison) and the whole CallSeal frame (container + SFrame) for typical frame sizes: an Opus
 * packet (~120 B), a VP8 delta frame (~4 KB) and a VP8 key frame (~40 KB). `npm run bench` prints ops/s.
 */
import { bench, describe } from 'vitest';
import { encodeCallSealFrame, parseCallSealFrame } from '../../src/e2ee/frame-container';
import { SFrameReceiver, SFrameSender } from '../unit/sframe/support/reference/context';
import type { CipherSuiteId } from '../../src/sframe/suites';

const SIZES = { 'opus 120 B': 120, 'vp8 delta 4 KB': 4_000, 'vp8 key 40 KB': 40_000 } as const;
const baseKey = crypto.getRandomValues(new Uint8Array(32));

async function pair(suite: CipherSuiteId) {
  const sender = await SFrameSender.create({ suite, kid: 7n, baseKey });
  // A window as wide as allowed: the bench decrypts each sample many times with fresh counters.
  const receiver = new SFrameReceiver({ suite, replayWindow: 65_536 });
  await receiver.addKey(7n, baseKey);
  return { sender, receiver };
}

for (const suite of [4, 1] as const) {
  describe(`SFrame suite ${suite}`, async () => {
    const { sender, receiver } = await pair(suite);
    for (const [name, size] of Object.entries(SIZES)) {
      const plaintext = crypto.getRandomValues(new Uint8Array(size));
      const prefix = plaintext.subarray(0, 3);
      bench(`encrypt + decrypt, ${name}`, async () => {
        const frame = await sender.encrypt(plaintext, prefix);
        await receiver.decrypt(frame, prefix);
      });
    }
  });
}

describe('CallSeal frame (container + SFrame suite 4), sender and receiver', async () => {
  const { sender, receiver } = await pair(4);
  for (const [name, size] of Object.entries(SIZES)) {
    const media = crypto.getRandomValues(new Uint8Array(size));
    bench(`outgoing + incoming, ${name}`, async () => {
      const clearPrefix = media.subarray(0, 3);
      const payload = await sender.encrypt(media.subarray(3), clearPrefix);
      const wire = encodeCallSealFrame({ clearPrefix, payload });
      const parsed = parseCallSealFrame(wire, 3);
      if (!parsed) throw new Error('not a CallSeal frame');
      await receiver.decrypt(parsed.payload, parsed.clearPrefix);
    });
  }
});
