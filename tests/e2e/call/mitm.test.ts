/**
 * A relay that is a man in the middle: it terminates CallSeal's handshake with each side, with an identity of its
 * own (tests/e2e/support/handshake-mitm.ts: one session per side, the handshake packet of every CallSeal frame
 * rewritten). Each side confirms a pair with the relay and shows `encrypted`; what gives the relay away is the
 * security code, which differs between the two sides (protocol.md §8.1), and the peer's identity fingerprint, which
 * is the relay's on both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls } from '../support/call';
import { createHandshakeMitm } from '../support/handshake-mitm';
import { startRelay } from '../support/relay';
import { SECURITY_CODE_FORMAT, startEncryptedCall } from './helpers';

describe('a man in the middle', () => {
  afterEach(() => closeAllCalls());

  it('that terminates the handshake with each side makes the two security codes differ', async () => {
    const mitm = await createHandshakeMitm();
    const relay = await startRelay({ mitm: (frame) => mitm.rewrite(frame) });
    try {
      const { alicePopup, bobPopup, aliceCode, bobCode } = await startEncryptedCall({ topology: 'single', relay });
      expect(mitm.counts.rewritten).toBeGreaterThan(0);
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
      mitm.dispose();
    }
  }, 45_000);
});
