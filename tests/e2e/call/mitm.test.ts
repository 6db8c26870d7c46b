/**
 * A relay that is a man in the middle: it replaces every hello it forwards, in both directions, with its own —
 * validly signed by its own identity key, with its own ephemeral key. Each side then agrees keys with the relay
 * instead of with the other, and shows `encrypted`; what gives the relay away is the security code, which differs
 * between the two sides (and the peer's identity fingerprint, which is the relay's on both).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_FLAG_HAS_HELLO, FRAME_MAGIC, HELLO_LENGTH } from '../../../src/e2ee/constants';
import { hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { encodeHello, encodeHelloBody, helloSigningInput } from '../../../src/e2ee/hello';
import { generateEphemeral } from '../../../src/e2ee/key-schedule';
import { closeAllCalls } from '../support/call';
import { startRelay, type RelayFrame } from '../support/relay';
import { SECURITY_CODE_FORMAT, startEncryptedCall } from './helpers';

/** The relay's own hello: a fresh identity and ephemeral key, signed exactly as CallSeal's background signs. */
async function attackerHello(): Promise<Uint8Array> {
  const identity = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const ephemeral = await generateEphemeral();
  const body = encodeHelloBody({
    sessionId: crypto.getRandomValues(new Uint8Array(16)),
    ephemeralPublicKey: ephemeral.publicKey,
    identityPublicKey: new Uint8Array(await crypto.subtle.exportKey('raw', identity.publicKey)),
  });
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, identity.privateKey, helloSigningInput(body)));
  return encodeHello(body, signature, new Uint8Array(32));
}

/** Trailer: hello (179) | hello length u16 | flags u8 | magic (4) — at the very end of the frame. */
const TRAILER_WITH_HELLO = HELLO_LENGTH + 2 + 1 + FRAME_MAGIC.length;

/** Replaces the hello at the end of a frame (or of its last packet); drops what it cannot rewrite. */
function swapHello(frame: RelayFrame, hello: Uint8Array, counts: { swapped: number }): Uint8Array | null {
  const data = frame.payload;
  const n = data.length;
  if (!hasCallSealTrailer(data)) return data;
  if (((data[n - FRAME_MAGIC.length - 1] ?? 0) & FRAME_FLAG_HAS_HELLO) === 0) return data;
  // A hello split across RTP packets cannot be rewritten here; a man in the middle can always drop instead.
  if (n < TRAILER_WITH_HELLO) return null;
  const out = data.slice();
  out.set(hello, n - TRAILER_WITH_HELLO);
  counts.swapped++;
  return out;
}

describe('a man in the middle', () => {
  afterEach(() => closeAllCalls());

  it('that replaces the hellos with its own makes the two security codes differ', async () => {
    const hello = await attackerHello();
    const counts = { swapped: 0 };
    const relay = await startRelay({ mitm: (frame) => swapHello(frame, hello, counts) });
    try {
      const { alicePopup, bobPopup, aliceCode, bobCode } = await startEncryptedCall({ topology: 'single', relay });
      expect(counts.swapped).toBeGreaterThan(0);
      expect(aliceCode).toMatch(SECURITY_CODE_FORMAT);
      expect(bobCode).toMatch(SECURITY_CODE_FORMAT);
      expect(aliceCode).not.toBe(bobCode);
      // Each side sees one peer identity, and it is the same on both: the relay's, not the other person's.
      const fingerprint = (popup: typeof alicePopup) =>
        popup.page.$eval('[data-testid="peer-fingerprint"]', (el) => el.textContent ?? '');
      const [aliceSees, bobSees] = await Promise.all([fingerprint(alicePopup), fingerprint(bobPopup)]);
      expect(aliceSees).toMatch(/[0-9a-f]{4}/);
      expect(aliceSees).toBe(bobSees);
    } finally {
      await relay.close();
    }
  }, 45_000);
});
