/**
 * Issue 7, finding 2: "Any identity can take over a call silently." Alice and Bob are in an encrypted call and Alice
 * has confirmed the codes (`verified`); then the relay takes over: it terminates the handshake with each side under
 * an identity of its own (support/handshake-mitm.ts). Each side confirms a pair with the relay — a new epoch under a
 * different identity — and must show it loudly: `identity-changed`, with the new code, never `encrypted` or
 * `verified` (protocol.md §6.2, §6.3).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, type Popup } from '../support/call';
import { createHandshakeMitm, type HandshakeMitm } from '../support/handshake-mitm';
import { startRelay } from '../support/relay';
import { startEncryptedCall } from './helpers';

/** The states `popup` shows over `ms`, sampled every 250 ms (a state that must hold has no event to wait for). */
async function statesOver(popup: Popup, ms: number): Promise<Set<string | undefined>> {
  const seen = new Set<string | undefined>();
  for (const end = Date.now() + ms; Date.now() < end; ) {
    seen.add(await popup.state());
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return seen;
}

describe('an identity that takes over a call', () => {
  afterEach(() => closeAllCalls());

  it('is shown loudly on both sides (identity-changed with a new code), even after the codes were verified', async () => {
    let mitm: HandshakeMitm | undefined;
    const relay = await startRelay({ mitm: (frame) => (mitm ? mitm.rewrite(frame) : frame.payload) });
    try {
      const { alicePopup, bobPopup, aliceCode, bobCode } = await startEncryptedCall({ topology: 'single', relay });
      expect(aliceCode).toBe(bobCode);
      await alicePopup.page.$eval('[data-testid="mark-verified"]', (el) => (el as HTMLElement).click());
      await alicePopup.waitForState('verified', 5_000);

      mitm = await createHandshakeMitm();
      await Promise.all([
        alicePopup.waitForState('identity-changed', 20_000),
        bobPopup.waitForState('identity-changed', 20_000),
      ]);
      expect(mitm.counts.rewritten).toBeGreaterThan(0);
      const [aliceNow, bobNow] = await Promise.all([alicePopup.securityCode(), bobPopup.securityCode()]);
      expect(aliceNow).not.toBe(aliceCode);
      expect(aliceNow).not.toBe(bobNow); // the relay is in the middle: the new codes differ
      expect(await alicePopup.page.$('[data-testid="identity-warning"]')).not.toBeNull();

      // The warning lasts for the call: neither side drifts back to encrypted or verified.
      const [aliceSeen, bobSeen] = await Promise.all([statesOver(alicePopup, 4_000), statesOver(bobPopup, 4_000)]);
      expect([...aliceSeen]).toEqual(['identity-changed']);
      expect([...bobSeen]).toEqual(['identity-changed']);
    } finally {
      await relay.close();
      mitm?.dispose();
    }
  }, 90_000);
});
