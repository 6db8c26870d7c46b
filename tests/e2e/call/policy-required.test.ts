/**
 * An admin requires end-to-end encryption (managed policy E2EEMode = required, in a real policy file). Alice's
 * switch is fixed on; Bob has no CallSeal. Nothing of Alice's leaves in clear (every frame the relay saw carries
 * CallSeal's trailer), Bob's plain media is not played at Alice's, and her popup says `blocked`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { closeAllCalls, startCall } from '../support/call';
import { writeExtensionPolicy, type ManagedPolicy } from '../support/managed-policy';
import { waitFor, waitForElement } from '../support/wait';
import { waitForCopies } from './helpers';

describe('policy: E2EE required', () => {
  let policy: ManagedPolicy | undefined;
  afterEach(async () => {
    await closeAllCalls();
    await policy?.remove();
    policy = undefined;
  });

  it('single: with a peer without CallSeal the call is blocked, and nothing goes either way in clear', async () => {
    policy = await writeExtensionPolicy({ E2EEMode: 'required' });
    const call = await startCall({ topology: 'single', alice: { withExtension: true }, bob: { withExtension: false } });
    const popup = await call.alice.popup();
    // The browser delivers the policy a few seconds after start; the popup then shows the switch fixed.
    await waitForElement(popup.page, '[data-testid="policy-note"]', { timeout: 15_000 });
    expect(await popup.switchedOn()).toBe(true);
    await popup.waitForState('blocked', 20_000);

    await waitForCopies(call);
    const copies = call.relay!.copies(call.alice.name);
    // The first frames may have left before the policy arrived (see README: the first seconds after start);
    // from the moment it applied, none leaves in clear.
    const recent = [...copies.video.slice(-30), ...copies.audio.slice(-100)];
    expect(recent.filter((frame) => !(hasCallSealTrailer(frame) || endsInMediaMarker(frame)))).toHaveLength(0);

    // Bob's media keeps arriving at Alice's browser, and not one more frame of it is played.
    const bobVideo = () => call.relay!.stats().forwarded[call.alice.name]?.video ?? 0;
    const framesPlayed = () =>
      call.alice.page.$eval('#remote-video', (v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
    const [packetsBefore, playedBefore] = [bobVideo(), await framesPlayed()];
    await waitFor(() => bobVideo() > packetsBefore + 30, { timeout: 10_000, message: "Bob's video to keep reaching Alice" });
    expect(await framesPlayed()).toBe(playedBefore);
  }, 60_000);
});
