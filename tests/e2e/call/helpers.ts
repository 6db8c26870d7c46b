/** Assertions shared by the call tests. */
import { startCall, type Call, type CallOptions, type Participant, type Popup } from '../support/call';
import { decodesToColor, formatColor, isColorNear, averageColor, type DecodeReport } from '../support/picture';
import type { Rgb } from '../support/fake-camera';
import { waitFor } from '../support/wait';

/** Waits until `viewer`'s remote video shows `sender`'s colour. */
export async function waitForRemoteColor(viewer: Participant, sender: Participant, timeout = 15_000): Promise<Rgb> {
  let last: Rgb | null = null;
  try {
    return await waitFor(
      async () => {
        last = await averageColor(viewer.page, '#remote-video');
        return isColorNear(last, sender.color) ? last : undefined;
      },
      { timeout, interval: 200, message: `${viewer.name} to see ${sender.name}'s colour ${formatColor(sender.color)}` },
    );
  } catch (error) {
    const demo = await viewer.demo().catch(() => undefined);
    throw new Error(`${(error as Error).message}; ${viewer.name} sees ${formatColor(last)}; demo: ${JSON.stringify(demo)}`);
  }
}

/** Both participants see each other's colour. */
export async function expectEachSeesTheOther(call: Call): Promise<void> {
  await Promise.all([waitForRemoteColor(call.alice, call.bob), waitForRemoteColor(call.bob, call.alice)]);
}

/** Waits until the relay holds at least `frames` video frames from each participant, and some audio. */
export async function waitForCopies(call: Call, frames = 30): Promise<void> {
  const relay = call.relay;
  if (!relay) throw new Error('this call has no relay');
  await waitFor(
    () =>
      [call.alice, call.bob].every(
        (p) => relay.copies(p.name).video.length >= frames && relay.copies(p.name).audio.length >= frames,
      ),
    { timeout: 15_000, interval: 200, message: `the relay to copy ${frames} frames of each participant`, },
  );
}

/** Decodes the relay's copy of `sender`'s video (in a browser without CallSeal) against its colour. */
export async function decodeCopy(
  call: Call,
  sender: Participant,
  expected: Rgb = sender.color,
  maxFrames = 120,
  from: 'first-keyframe' | 'last-keyframe' = 'first-keyframe',
): Promise<DecodeReport> {
  const relay = call.relay;
  if (!relay) throw new Error('this call has no relay');
  return decodesToColor(await call.decoderPage(), relay.copies(sender.name).video, expected, { maxFrames, from });
}

export function describeDecode(report: DecodeReport): string {
  const { submitted, keyframes, decoded, errors, average, matches } = report;
  return JSON.stringify({ submitted, keyframes, decoded, errors: errors.slice(0, 3), average: formatColor(average), matches });
}

/** Waits until `viewer` has placed a call after `afterCallId` (the other side reloaded) and it plays again. */
export async function waitForNewCall(viewer: Participant, afterCallId: number, timeout = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const demo = await viewer.demo();
      return demo.callId > afterCallId && demo.connected && demo.remoteVideoPlaying;
    },
    { timeout, interval: 200, message: `${viewer.name} to call again after call ${afterCallId}` },
  );
}

export const SECURITY_CODE_FORMAT = /^\d{5} \d{5} \d{5} \d{5}$/;

export interface EncryptedCall {
  call: Call;
  alicePopup: Popup;
  bobPopup: Popup;
  aliceCode: string | undefined;
  bobCode: string | undefined;
}

/**
 * Starts a call with CallSeal switched on at both ends and waits until both popups show `encrypted`. `alice` and `bob`
 * add to each participant's options (CallSeal loaded and switched on either way).
 */
export async function startEncryptedCall(options: CallOptions): Promise<EncryptedCall> {
  const call = await startCall({
    ...options,
    alice: { ...options.alice, withExtension: true, e2ee: true },
    bob: { ...options.bob, withExtension: true, e2ee: true },
  });
  const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
  await Promise.all([alicePopup.waitForState('encrypted', 20_000), bobPopup.waitForState('encrypted', 20_000)]);
  const [aliceCode, bobCode] = await Promise.all([alicePopup.securityCode(), bobPopup.securityCode()]);
  return { call, alicePopup, bobPopup, aliceCode, bobCode };
}
