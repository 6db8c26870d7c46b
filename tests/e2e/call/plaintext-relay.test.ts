/**
 * Calls WITHOUT encryption: no CallSeal, or CallSeal loaded with its switch off (the default). Each participant sees
 * the other's camera colour, and the relay's copy of each video decodes to the sender's colour — which is what shows
 * that the relay's check in the encrypted tests can fail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { closeAllCalls, startCall, type Call, type Topology } from '../support/call';
import {
  decodeCopy,
  describeDecode,
  expectEachSeesTheOther,
  waitForCopies,
  waitForNewCall,
  waitForRemoteColor,
} from './helpers';

describe('plaintext calls', () => {
  let call: Call | undefined;
  afterEach(async () => {
    call = undefined;
    await closeAllCalls(); // also what a test that timed out inside startCall() had started
  });

  async function expectPlaintextThroughRelay(active: Call): Promise<void> {
    await waitForCopies(active);
    for (const sender of [active.alice, active.bob]) {
      // Not one frame carries CallSeal's trailer (its 4-byte magic at the end).
      const copies = active.relay!.copies(sender.name);
      const marked = [...copies.video, ...copies.audio].filter(hasCallSealTrailer);
      expect(marked).toHaveLength(0);
      const report = await decodeCopy(active, sender);
      expect(report.matches, `${sender.name}'s copy: ${describeDecode(report)}`).toBe(true);
      expect(report.errors).toEqual([]);
    }
  }

  // The demo's own recovery, without CallSeal, is what the encrypted reload tests build on: each call here also has
  // Bob reload and checks that the call is placed again and both see each other again.
  async function expectBobsReloadPlacesTheCallAgain(active: Call): Promise<void> {
    const before = (await active.alice.demo()).callId;
    await active.bob.reload();
    await waitForNewCall(active.alice, before);
    await waitForRemoteColor(active.alice, active.bob);
    await waitForRemoteColor(active.bob, active.alice);
  }

  for (const topology of ['single', 'split'] satisfies Topology[]) {
    it(`${topology}: through the relay without CallSeal, the relay's copies decode to each sender's colour; a reload places the call again`, async () => {
      call = await startCall({ topology });
      await call.waitUntilConnected();
      await expectEachSeesTheOther(call);
      await expectPlaintextThroughRelay(call);
      await expectBobsReloadPlacesTheCallAgain(call);
    });
  }

  it('p2p: without CallSeal, each sees the other; a reload places the call again', async () => {
    call = await startCall({ topology: 'p2p' });
    await call.waitUntilConnected();
    await expectEachSeesTheOther(call);
    await expectBobsReloadPlacesTheCallAgain(call);
  });

  for (const topology of ['single', 'split'] satisfies Topology[]) {
    it(`${topology}: CallSeal loaded but switched off leaves frames unaltered`, async () => {
      call = await startCall({ topology, alice: { withExtension: true }, bob: { withExtension: true } });
      await call.waitUntilConnected();
      await expectEachSeesTheOther(call);
      await expectPlaintextThroughRelay(call);
    });
  }

  it('p2p: CallSeal loaded but switched off, each sees the other', async () => {
    call = await startCall({ topology: 'p2p', alice: { withExtension: true }, bob: { withExtension: true } });
    await call.waitUntilConnected();
    await expectEachSeesTheOther(call);
  });
});
