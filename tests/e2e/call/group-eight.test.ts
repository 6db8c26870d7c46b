/**
 * Eight people through the relay, each in their own Chromium with CallSeal on (issue 13; protocol.md §11.9: the most
 * CallSeal encrypts). A smoke test: every popup lists the seven others as encrypted and shows the same group code,
 * and everyone sees everyone.
 *
 * Eight browsers share this 2-core machine only with cameras at 160×120 and 5 frames a second and no microphones
 * (each one's audio threads took about two thirds of its renderer's CPU, and with them the calls never settled). The
 * keys, the handshakes and the frames' layout do not depend on either: a group's audio is tested with four people
 * (group-four.test.ts) and three (group-call.test.ts).
 */
import { afterEach, describe, it } from 'vitest';
import type { Rgb } from '../support/fake-camera';
import type { Popup } from '../support/call';
import { startGroupCall, type GroupCall, type Member } from '../support/group';
import { expectEveryoneSeesEveryone, waitEncryptedWithOneCode } from '../support/group-checks';

const PEOPLE: { name: string; color: Rgb }[] = [
  { name: 'alice', color: [255, 0, 0] },
  { name: 'bob', color: [0, 0, 255] },
  { name: 'carol', color: [0, 255, 0] },
  { name: 'dave', color: [255, 255, 0] },
  { name: 'erin', color: [255, 0, 255] },
  { name: 'frank', color: [0, 255, 255] },
  { name: 'grace', color: [255, 128, 0] },
  { name: 'heidi', color: [128, 128, 128] },
];

describe('a group call of eight', () => {
  let call: GroupCall | undefined;
  afterEach(async () => {
    await call?.close();
    call = undefined;
  });

  it('everyone encrypted with the seven others under one group code, and seen by everyone', async () => {
    call = await startGroupCall(PEOPLE, { e2ee: true, video: { size: '160x120', fps: 5 }, cameraOnly: true });
    const members = call.members as Member[];
    const popups = (await Promise.all(members.map((m) => m.popup()))) as Popup[];
    await waitEncryptedWithOneCode(call, popups, 7, 540_000);
    await expectEveryoneSeesEveryone(call, members, 60_000);
  }, 840_000);
});
