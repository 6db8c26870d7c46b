/**
 * Both participants have CallSeal switched on: the call works (each sees the other's colour), both popups show
 * `encrypted` with the same 20-digit security code, and what the relay sees does not decode to either colour.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { closeAllCalls, type Call, type Topology } from '../support/call';
import {
  SECURITY_CODE_FORMAT,
  decodeCopy,
  describeDecode,
  expectEachSeesTheOther,
  startEncryptedCall,
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
      const started = await startEncryptedCall({ topology });
      const { aliceCode, bobCode } = started;
      call = started.call;
      expect(aliceCode).toMatch(SECURITY_CODE_FORMAT);
      expect(bobCode).toBe(aliceCode);

      await call.waitUntilConnected(20_000);
      await expectEachSeesTheOther(call);

      if (call.relay) {
        // What an SFU sees: from the first frame on, nothing decodes to either participant's picture.
        await waitForCopies(call);
        // Nothing left either browser in clear: every frame the relay saw is a CallSeal frame.
        for (const sender of [call.alice, call.bob]) {
          const copies = call.relay.copies(sender.name);
          const plain = [...copies.video, ...copies.audio].filter((frame) => !(hasCallSealTrailer(frame) || endsInMediaMarker(frame)));
          expect(plain, `${sender.name} sent ${plain.length} frames without CallSeal's trailer`).toHaveLength(0);
        }
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
    }, 90_000); // a relay call decodes every copied frame four times: 56 s once on a busy two-core machine
  }
});
