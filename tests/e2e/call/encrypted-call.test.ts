/**
 * Both participants have CallSeal switched on: the call works (each sees the other's colour), both popups show
 * `encrypted` with the same 20-digit security code, and what the relay sees does not decode to either colour.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Call, type Topology } from '../support/call';
import {
  SECURITY_CODE_FORMAT,
  decodeCopy,
  describeDecode,
  expectEachSeesTheOther,
  waitForCopies,
} from './helpers';

describe('encrypted calls (CallSeal on both sides)', () => {
  let call: Call | undefined;
  afterEach(async () => {
    call = undefined;
    await closeAllCalls(); // also what a test that timed out inside startCall() had started
  });

  for (const topology of ['single', 'split', 'p2p'] satisfies Topology[]) {
    it(`${topology}: both popups show encrypted with the same code, and each sees the other`, async () => {
      call = await startCall({
        topology,
        alice: { withExtension: true, e2ee: true },
        bob: { withExtension: true, e2ee: true },
      });
      const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
      await Promise.all([alicePopup.waitForState('encrypted', 20_000), bobPopup.waitForState('encrypted', 20_000)]);
      const aliceCode = await alicePopup.securityCode();
      const bobCode = await bobPopup.securityCode();
      expect(aliceCode).toMatch(SECURITY_CODE_FORMAT);
      expect(bobCode).toBe(aliceCode);

      await call.waitUntilConnected(20_000);
      await expectEachSeesTheOther(call);

      if (call.relay) {
        // What an SFU sees: from the first frame on, nothing decodes to either participant's picture.
        await waitForCopies(call);
        for (const sender of [call.alice, call.bob]) {
          const frames = call.relay.copies(sender.name).video.length;
          for (const colour of [call.alice.color, call.bob.color]) {
            const report = await decodeCopy(call, sender, colour, frames);
            expect(report.matches, `${sender.name}'s copy against ${colour.join(',')}: ${describeDecode(report)}`).toBe(
              false,
            );
          }
        }
      }
    }, 45_000);
  }
});
