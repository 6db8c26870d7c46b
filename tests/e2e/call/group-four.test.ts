/**
 * Four people through the relay, each in their own Chromium with CallSeal on (issue 13; protocol.md §11): everyone is
 * encrypted with everyone and sees everyone, every popup shows the same group code, what the relay copied decodes to
 * no one's picture; one leaves, the three who stay are encrypted again under new keys and keep seeing each other, and
 * when she comes back (a new worker session) all four see all four again.
 *
 * Four browsers fill this 2-core machine (each encodes one stream and decodes three), so the cameras are 160×120 at
 * 15 frames a second here; the keys and the frames' layout do not depend on the picture's size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import type { Rgb } from '../support/fake-camera';
import { BLUE, GREEN, RED } from '../support/fake-camera';
import type { Popup } from '../support/call';
import { startGroupCall, type GroupCall, type Member } from '../support/group';
import { expectEveryoneSeesEveryone, waitEncryptedWithOneCode } from '../support/group-checks';
import { decodesToColor, formatColor } from '../support/picture';

const YELLOW: Rgb = [255, 255, 0];

describe('a group call of four', () => {
  let call: GroupCall | undefined;
  afterEach(async () => {
    await call?.close();
    call = undefined;
  });

  it('everyone encrypted with everyone and seen by everyone, through a leave and a rejoin', async () => {
    call = await startGroupCall(
      [
        { name: 'alice', color: RED },
        { name: 'bob', color: BLUE },
        { name: 'carol', color: GREEN },
        { name: 'dave', color: YELLOW },
      ],
      { e2ee: true, video: { size: '160x120', fps: 15 } },
    );
    const members = call.members as [Member, Member, Member, Member];
    const popups = (await Promise.all(members.map((m) => m.popup()))) as [Popup, Popup, Popup, Popup];
    const codeOfFour = await waitEncryptedWithOneCode(call, popups, 3);
    await expectEveryoneSeesEveryone(call, members, 60_000);

    // What the SFU sees: CallSeal frames only, none of which decodes to its sender's picture.
    const relay = call.relay;
    const decoder = await members[0].browser.newPage();
    await decoder.goto(call.server.url('/'));
    for (const sender of members) {
      const copies = relay.copies(sender.name);
      const plain = [...copies.video, ...copies.audio].filter((f) => !(hasCallSealTrailer(f) || endsInMediaMarker(f)));
      expect(plain, `${sender.name} sent ${plain.length} frames in clear`).toHaveLength(0);
      const report = await decodesToColor(decoder, copies.video.slice(-60), sender.color, { maxFrames: 60 });
      expect(report.matches, `${sender.name}'s copy decoded to ${formatColor(report.average)}`).toBe(false);
    }
    await decoder.close();

    // Carol leaves: the three who stay are encrypted again (every sender moved to a new key, §11.5), under a new
    // group code, and keep seeing each other.
    const [alice, bob, carol, dave] = members;
    await carol.leave();
    const stay = [alice, bob, dave];
    const codeOfThree = await waitEncryptedWithOneCode(call, [popups[0], popups[1], popups[3]], 2);
    expect(codeOfThree).not.toBe(codeOfFour);
    await expectEveryoneSeesEveryone(call, stay, 60_000);

    // She comes back, a new participant (new worker session): four again, a third code, and everyone sees everyone.
    await carol.rejoin();
    const codeAgain = await waitEncryptedWithOneCode(call, popups, 3);
    expect(new Set([codeOfFour, codeOfThree, codeAgain]).size).toBe(3);
    await expectEveryoneSeesEveryone(call, members, 60_000);
  }, 600_000);
});
