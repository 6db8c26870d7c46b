/**
 * The switch takes effect on an open call without a reload: a plaintext call between two people who both have
 * CallSeal (switched off) becomes end-to-end encrypted once both switch it on — the relay's copy decoded to the
 * pictures before and no longer does after.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall } from '../support/call';
import { SECURITY_CODE_FORMAT, decodeCopy, describeDecode, expectEachSeesTheOther, waitForCopies } from './helpers';

describe('switching E2EE on during a call', () => {
  afterEach(() => closeAllCalls());

  it('single: a plaintext call becomes encrypted, without a reload, once both switch on', async () => {
    const call = await startCall({
      topology: 'single',
      alice: { withExtension: true },
      bob: { withExtension: true },
    });
    await call.waitUntilConnected(20_000);
    await expectEachSeesTheOther(call);
    const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
    await alicePopup.waitForState('off', 5_000);
    await waitForCopies(call);
    const before = await decodeCopy(call, call.alice, call.alice.color, 60, 'last-keyframe');
    expect(before.matches, describeDecode(before)).toBe(true);
    const callId = (await call.alice.demo()).callId;

    await alicePopup.toggle();
    await bobPopup.toggle();
    await Promise.all([alicePopup.waitForState('encrypted', 20_000), bobPopup.waitForState('encrypted', 20_000)]);
    const code = await alicePopup.securityCode();
    expect(code).toMatch(SECURITY_CODE_FORMAT);
    expect(await bobPopup.securityCode()).toBe(code);
    await expectEachSeesTheOther(call);
    expect((await call.alice.demo()).callId, 'the call was not placed again').toBe(callId);

    // From here on the relay only sees ciphertext: the newest key frame it copied no longer decodes to Alice.
    const framesNow = call.relay!.copies(call.alice.name).video.length;
    await waitForCopies(call, framesNow + 30);
    const after = await decodeCopy(call, call.alice, call.alice.color, 30, 'last-keyframe');
    expect(after.matches, describeDecode(after)).toBe(false);
  }, 60_000);
});
