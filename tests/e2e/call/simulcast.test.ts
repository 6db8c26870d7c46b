/**
 * Issue 8, item 4: simulcast — several encodings on one sender, with an SFU choosing a layer. Alice publishes her
 * camera in three layers (h, m, l) through the relay, CallSeal on at both ends; the relay forwards one layer to Bob
 * and switches to another mid-call, as an SFU does when a receiver's bandwidth or window changes. Every layer's frames
 * go through Alice's one send transform (one key, one counter for the three); Bob's receiver sees gaps in the counter
 * and a jump at the switch, and must play every layer it is given: both popups stay `encrypted`, and Bob sees Alice's
 * colour before and after the switch — at the smaller size after it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Call } from '../support/call';
import { startRelay } from '../support/relay';
import { waitFor } from '../support/wait';
import { waitForRemoteColor } from './helpers';

/** Chromium limits simulcast layers by resolution; the test camera is small, so the limit is lifted. */
const SIMULCAST_FLAGS = ['--force-fieldtrials=WebRTC-LegacySimulcastLayerLimit/Disabled/'];

describe('simulcast through an SFU', () => {
  let call: Call | undefined;
  afterEach(async () => {
    call = undefined;
    await closeAllCalls();
  });

  it('plays the layer the SFU chooses, and still after it switches layers', async () => {
    let layer = 'h';
    const relay = await startRelay({ simulcastLayer: (from) => (from === 'alice' ? layer : undefined) });
    try {
      const participant = { withExtension: true, e2ee: true, args: SIMULCAST_FLAGS };
      call = await startCall({ topology: 'single', simulcast: true, relay, alice: participant, bob: participant });
      const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
      await Promise.all([alicePopup.waitForState('encrypted', 30_000), bobPopup.waitForState('encrypted', 30_000)]);
      await waitForRemoteColor(call.bob, call.alice, 20_000);

      // Alice really sends three layers, through her one sender (and its one transform).
      await waitFor(
        async () => {
          const sent = (await call!.alice.videoCodecs()).filter((c) => c.direction === 'send' && c.frames > 0);
          return ['h', 'm', 'l'].every((rid) => sent.some((c) => c.rid === rid));
        },
        { timeout: 20_000, message: 'Alice to encode three simulcast layers' },
      );
      const width = (): Promise<number> =>
        call!.bob.page.evaluate(() => (document.getElementById('remote-video') as HTMLVideoElement).videoWidth);
      await waitFor(async () => (await width()) === 320, { timeout: 20_000, message: "Bob to get Alice's full layer" });

      layer = 'l';
      await waitFor(async () => (await width()) === 80, { timeout: 20_000, message: "Bob to get Alice's smallest layer" });
      await waitForRemoteColor(call.bob, call.alice, 20_000);
      for (const popup of [alicePopup, bobPopup]) {
        expect(await popup.state()).toBe('encrypted');
        expect(await popup.page.$('[data-testid="call-detail"]')).toBeNull();
      }
      expect(relay.stats().keyframeRequests.alice ?? 0).toBeGreaterThan(0);
    } finally {
      await closeAllCalls();
      await relay.close();
    }
  }, 90_000);
});
