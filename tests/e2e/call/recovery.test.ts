/**
 * Issue 8 item 9: rekeying never freezes video for longer than one key-frame request round trip (protocol.md §6.2,
 * §6.7). Bob's side gets new keys three ways — he reloads, he leaves and comes back, he switches E2EE off and
 * on — and each time Alice's session confirms a new pair (a new epoch). Once both sides hold the new pair, all that
 * may stand between Alice and Bob's picture is one key-frame request: Alice's receiver asks when her pair becomes
 * current, Bob's encoder makes the key frame when his does, whichever comes last.
 *
 * Measured on the machine's clock (`reports.ts`, and `requestVideoFrameCallback` in Alice's page): from the REKEY —
 * the later of Alice's first report of the new epoch and Bob's first `encrypted` report of his new session, as their
 * service workers receive them — to the first frame of Bob's video Alice's page presents after it. Printed, and held
 * to the bound the mechanism gives (see `recoveryBound`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_FRAME_INTERVAL_MS } from '../../../src/worker/key-frames';
import { closeAllCalls, type Call } from '../support/call';
import { RECORD_CONFIRM } from '../../../src/e2ee/constants';
import { recordTypes } from '../support/hostile-handshake';
import { isVp8Keyframe } from '../support/picture';
import { keepConnections, presentedFrames, roundTripMs, stampPresentedFrames } from '../support/presented';
import { KEYFRAME_REQUEST_INTERVAL_MS, startRelay } from '../support/relay';
import { reports, watchReports, type StampedReport } from '../support/reports';
import { waitFor } from '../support/wait';
import { startEncryptedCall, waitForRemoteColor } from './helpers';

/** The fake cameras' frame rate (fake-camera.ts). */
const CAMERA_FPS = 30;

/**
 * One key-frame request round trip, at worst: the request may wait out the receiver's rate limit (§6.5, 500 ms), and
 * the relay's own limit on PLIs it forwards (100 ms); the sender's encoder answers with its next frame (one frame
 * interval, two to allow for the frame in the encoder already) and the key frame crosses the network twice over the
 * measured round-trip time (request up, frame down) before it decodes, plus the same again for a machine whose two cores
 * run four browsers (the frame's encode and decode take the rest of a frame interval each).
 */
function recoveryBound(rttMs: number): number {
  const frameMs = 1000 / CAMERA_FPS;
  return KEY_FRAME_INTERVAL_MS + KEYFRAME_REQUEST_INTERVAL_MS + 4 * frameMs + 2 * rttMs;
}

interface Rekey {
  alice: StampedReport;
  bob: StampedReport;
  at: number;
}

/** Waits for the rekey after `before`: Alice in a higher epoch of her session, Bob encrypted in a new session. */
async function waitForRekey(call: Call, before: { aliceEpoch: number; aliceSession: string; bobSession: string }): Promise<Rekey> {
  return waitFor(
    async () => {
      const [ofAlice, ofBob] = await Promise.all([reports(call.alice.browser), reports(call.bob.browser)]);
      const alice = ofAlice.find((r) => r.session === before.aliceSession && r.epoch > before.aliceEpoch && r.state === 'encrypted');
      const bob = ofBob.find((r) => r.session !== before.bobSession && r.state === 'encrypted');
      return alice && bob ? { alice, bob, at: Math.max(alice.t, bob.t) } : undefined;
    },
    { timeout: 30_000, interval: 100, message: 'both sides encrypted under new keys' },
  );
}

/** The relay holds back every packet of Alice's that carries a CONFIRM while this is set (see the last case). */
let holdAliceConfirms = false;

describe('recovery after rekeying', () => {
  afterEach(async () => {
    holdAliceConfirms = false;
    await closeAllCalls();
  });

  const cases: { name: string; event: (call: Call) => Promise<void> }[] = [
    { name: 'reload', event: (call) => call.bob.reload() },
    {
      name: 'leave and rejoin',
      event: async (call) => {
        await call.bob.page.goto(call.server.url('/'));
        await waitFor(async () => (await call.alice.demo()).other === null, { timeout: 10_000, message: 'Alice to see Bob leave' });
        await call.bob.page.goto(call.bob.url);
      },
    },
    {
      name: 'E2EE off and on',
      event: async (call) => {
        const popup = await call.bob.popup();
        await popup.toggle();
        await popup.waitForState('off', 10_000);
        await popup.toggle();
      },
    },
    {
      // Bob's encoder answers Alice's key-frame request while Bob has no keys yet: that key frame leaves as a
      // handshake-only frame (no media in clear, §2), so the one that counts is the one Bob's own confirmation makes.
      name: 'reload, Alice confirming first',
      event: async (call) => {
        holdAliceConfirms = true;
        const session = (await reports(call.bob.browser)).at(-1)?.session;
        const epoch = (await reports(call.alice.browser)).at(-1)?.epoch ?? 0;
        await call.bob.reload();
        await waitFor(
          async () => (await reports(call.alice.browser)).some((r) => r.epoch > epoch && r.state === 'encrypted'),
          { timeout: 30_000, interval: 50, message: 'Alice to confirm the new pair' },
        );
        // Bob's encoder answers Alice's request with a key frame (its clear prefix shows it, §2) while he has no keys.
        const copied = call.relay!.copies('bob').video.length;
        await waitFor(() => call.relay!.copies('bob').video.slice(copied).some(isVp8Keyframe), {
          timeout: 5_000,
          interval: 20,
          message: 'Bob’s key frame for Alice’s request',
        });
        expect((await reports(call.bob.browser)).some((r) => r.session !== session && r.state === 'encrypted')).toBe(false);
        holdAliceConfirms = false;
      },
    },
  ];

  for (const { name, event } of cases) {
    it(`${name}: Alice sees Bob again within one key-frame request round trip of the new keys`, async () => {
      const relay = await startRelay({
        mitm: (frame) =>
          holdAliceConfirms && frame.from === 'alice' && recordTypes(frame.payload).includes(RECORD_CONFIRM) ? null : frame.payload,
      });
      const { call } = await startEncryptedCall({
        topology: 'single',
        relay,
        alice: { beforeCall: async (browser, page) => {
          await watchReports(browser);
          await keepConnections(page);
        } },
        bob: { beforeCall: (browser) => watchReports(browser) },
      });
      await waitForRemoteColor(call.alice, call.bob);
      await stampPresentedFrames(call.alice.page);
      const [ofAlice, ofBob] = await Promise.all([reports(call.alice.browser), reports(call.bob.browser)]);
      const aliceNow = ofAlice.at(-1)!;
      const before = { aliceEpoch: aliceNow.epoch, aliceSession: aliceNow.session, bobSession: ofBob.at(-1)!.session };
      const eventAt = Date.now();

      await event(call);
      const rekey = await waitForRekey(call, before);
      const firstFrame = await waitFor(
        async () => (await presentedFrames(call.alice.page)).find((t) => t > rekey.alice.t),
        { timeout: 15_000, interval: 50, message: 'a frame of Bob’s at Alice after the rekey' },
      );
      await waitForRemoteColor(call.alice, call.bob);
      const rtt = await roundTripMs(call.alice.page);
      const bound = recoveryBound(rtt);
      const recovery = firstFrame - rekey.at;
      const confirmOrder = rekey.alice.t <= rekey.bob.t ? 'Alice first' : 'Bob first';
      console.log(
        `recovery after ${name}: ${Math.round(recovery)} ms from the rekey to Alice's first frame of Bob ` +
          `(key-frame request RTT bound: ${Math.round(bound)} ms = ${KEY_FRAME_INTERVAL_MS} rate limit + ` +
          `${KEYFRAME_REQUEST_INTERVAL_MS} relay PLI limit + 4 frames at ${CAMERA_FPS} fps + 2 × RTT ${rtt.toFixed(1)} ms; ` +
          `keys confirmed ${confirmOrder}, ${Math.abs(Math.round(rekey.alice.t - rekey.bob.t))} ms apart; ` +
          `rekey ${Math.round(rekey.at - eventAt)} ms after the ${name} began)`,
      );
      expect(recovery).toBeLessThanOrEqual(bound);
      await relay.close();
    }, 90_000);
  }
});
