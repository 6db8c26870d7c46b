/**
 * Alice has CallSeal switched on, Bob has no CallSeal: the call still works, in plaintext, and Alice's popup says so
 * (`unencrypted`) within about ten seconds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Call, type Topology } from '../support/call';
import { decodeCopy, describeDecode, waitForCopies, waitForRemoteColor } from './helpers';

describe('plaintext fallback (Bob has no CallSeal)', () => {
  let call: Call | undefined;
  afterEach(async () => {
    call = undefined;
    await closeAllCalls(); // also what a test that timed out inside startCall() had started
  });

  for (const topology of ['p2p', 'single'] satisfies Topology[]) {
    it(`${topology}: Alice's popup shows unencrypted and the call works in plaintext`, async () => {
      call = await startCall({ topology, alice: { withExtension: true, e2ee: true }, bob: { withExtension: false } });
      const popup = await call.alice.popup();
      const started = Date.now();
      await popup.waitForState('unencrypted', 12_000);
      expect(Date.now() - started).toBeLessThan(12_000);

      await waitForRemoteColor(call.alice, call.bob, 15_000);
      await waitForRemoteColor(call.bob, call.alice, 15_000);

      if (call.relay) {
        // After the fallback Alice's frames are plaintext: the relay's copy, from her latest keyframe (which Bob's
        // receiver asked for once her frames became decodable), decodes to her colour.
        await waitForCopies(call);
        const report = await decodeCopy(call, call.alice, call.alice.color, 60, 'last-keyframe');
        expect(report.matches, describeDecode(report)).toBe(true);
      }
    }, 45_000);
  }
});
