/**
 * The group key schedule (protocol.md §11.2, §11.3): the capability a signed CONFIRM announces, sender keys, the
 * ratchet and KIDs — and the properties the design exists for, checked on real SFrame frames: a leaver cannot
 * decrypt what follows a rotation, a newcomer cannot decrypt what was sent before it joined.
 */
import { describe, expect, it } from 'vitest';
import { encodeDisplayNameExtension, isSendableExtensions } from '../../../src/e2ee/display-name';
import {
  EXTENSION_GROUP,
  MAX_STEP,
  RECORD_REPEAT_MS,
  generateSenderKey,
  groupCapabilityExtension,
  groupFrameBaseKey,
  groupKid,
  newTag,
  parseGroupKid,
  peerGroupVersion,
  ratchetSenderKey,
  type SenderKeyEpoch,
} from '../../../src/e2ee/group-keys';
import { openSenderKey, sealSenderKey } from '../../../src/e2ee/group-wrap';
import type { SenderKeyRing } from '../../../src/e2ee/sender-key-ring';
import { decodeHeader } from '../../../src/sframe/header';
import { concatBytes, equalBytes } from '../../../src/e2ee/bytes';
import { expectE2eeError, expectE2eeRejection } from './helpers';
import {
  MEDIA,
  decryptsWithAnyHeldKey,
  deliver,
  encryptFrame,
  get,
  join,
  keysOf,
  makeGroup,
  receive,
  ringAt,
  senderWithRings,
  tryDecrypt,
} from './group-helpers';

describe('the group capability (§11.3)', () => {
  it('is CONFIRM extension 0x02 with version 1, and the background may send it with a name', () => {
    const ext = groupCapabilityExtension();
    expect([...ext]).toEqual([EXTENSION_GROUP, 1, 1]);
    expect(peerGroupVersion(ext)).toBe(1);
    const withName = concatBytes(encodeDisplayNameExtension('Alice'), ext);
    expect(isSendableExtensions(withName)).toBe(true);
    expect(peerGroupVersion(withName)).toBe(1);
  });

  it('is absent for a 1:1-only peer, and anything malformed counts as absent', () => {
    expect(peerGroupVersion(new Uint8Array(0))).toBeNull();
    expect(peerGroupVersion(encodeDisplayNameExtension('Bob'))).toBeNull();
    expect(peerGroupVersion(concatBytes(groupCapabilityExtension(), groupCapabilityExtension()))).toBeNull();
    expect(peerGroupVersion(Uint8Array.of(EXTENSION_GROUP, 2, 1, 1))).toBeNull();
    expect(peerGroupVersion(Uint8Array.of(EXTENSION_GROUP, 1))).toBeNull(); // does not frame
    expect(peerGroupVersion(Uint8Array.of(EXTENSION_GROUP, 1, 2))).toBe(2); // a later group version: not ours
  });
});

describe('sender keys and KIDs (§11.2)', () => {
  it('KIDs carry tag, step and sender index, and never collide with version-3 KIDs', () => {
    const kid = groupKid(0xbeef, 7, 3);
    expect(kid).toBe(0xbeef0703n);
    expect(parseGroupKid(kid)).toEqual({ tag: 0xbeef, step: 7, senderIndex: 3 });
    expect(groupKid(1, 0, 0)).toBeGreaterThanOrEqual(1n << 16n);
    for (const v3 of [0n, 7n, 255n]) expect(parseGroupKid(v3)).toBeNull();
    expect(parseGroupKid(1n << 32n)).toBeNull();
    expectE2eeError(() => groupKid(0, 0, 0), 'invalid-argument');
    expectE2eeError(() => groupKid(1, 256, 0), 'invalid-argument');
    expectE2eeError(() => groupKid(1, 0, 256), 'invalid-argument');
  });

  it('fresh generations are random, under a non-zero tag that avoids the tags given', () => {
    const a = generateSenderKey(1);
    const b = generateSenderKey(1);
    expect(equalBytes(a.key, b.key)).toBe(false);
    expect(a.tag).toBeGreaterThan(0);
    const avoid = new Set<number>();
    for (let t = 1; t <= 0xffff; t++) if (t % 8 !== 0) avoid.add(t); // only multiples of 8 are left
    for (let i = 0; i < 5; i++) {
      const tag = newTag(avoid);
      expect(tag % 8 === 0 && tag !== 0).toBe(true);
    }
    expectE2eeError(() => generateSenderKey(0), 'invalid-argument');
  });

  it('the ratchet is deterministic, one step at a time, and stops at step 255', async () => {
    const k0 = generateSenderKey(3);
    const k1 = await ratchetSenderKey(k0);
    const again = await ratchetSenderKey(k0);
    expect(k1).toMatchObject({ generation: 3, step: 1, tag: k0.tag });
    expect(equalBytes(k1.key, again.key)).toBe(true);
    expect(equalBytes(k1.key, k0.key)).toBe(false);
    expect(equalBytes((await ratchetSenderKey(k1)).key, k1.key)).toBe(false);
    await expectE2eeRejection(() => ratchetSenderKey({ ...k0, step: MAX_STEP }), 'invalid-argument');
  });

  it('every local sender and every step has its own frame base key', async () => {
    const k0 = generateSenderKey(1);
    const k1 = await ratchetSenderKey(k0);
    const keys = await Promise.all([groupFrameBaseKey(k0, 0), groupFrameBaseKey(k0, 1), groupFrameBaseKey(k1, 0)]);
    expect(new Set(keys.map((k) => Buffer.from(k).toString('hex'))).size).toBe(3);
    const frame = await encryptFrame(k0, 1, MEDIA);
    expect(await tryDecrypt(k0, 1, frame)).toEqual(MEDIA);
    expect(await tryDecrypt(k0, 0, frame)).toBeNull();
    expect(await tryDecrypt(k1, 1, frame)).toBeNull();
  });
});


describe('what the design is for (§11.5, §11.8), on real frames', () => {
  it('a leaver cannot decrypt what a sender sends after rotating, with any key it held', async () => {
    const g = await makeGroup(['S', 'A', 'L']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A', 'L'], 0);
    await deliver(g, 'S', sender, rings, 0);
    sender.maybeSwitch(0);
    const before = await encryptFrame(sender.sending as SenderKeyEpoch, 0, MEDIA);
    const ringL = rings.get('L') as SenderKeyRing;
    expect(await receive(ringL, before)).toEqual(MEDIA); // L was a member
    const lHeld = await ringL.candidates(decodeHeader(before).kid);

    await sender.removeMember(get(g, 'L').pid, 1000);
    const outcomes = await deliver(g, 'S', sender, rings, 1000);
    expect(outcomes.has('L')).toBe(false); // nothing was sent to L
    expect(sender.maybeSwitch(1000)).toBe(true);
    const after = await encryptFrame(sender.sending as SenderKeyEpoch, 0, MEDIA);
    expect(await receive(rings.get('A') as SenderKeyRing, after)).toEqual(MEDIA);
    expect(await receive(ringL, after)).toBeNull();
    expect(await ringL.candidates(decodeHeader(after).kid)).toHaveLength(0);
    expect(await decryptsWithAnyHeldKey(lHeld, after)).toBe(false);
    // and L cannot open the new generation's SENDER-KEY sealed for A
    const toA = await sealSenderKey(keysOf(get(g, 'S'), 'A'), get(g, 'S').pid, get(g, 'A').pid, sender.sending as SenderKeyEpoch);
    expect(await ringL.accept({ ...toA, to: get(g, 'L').pid })).toBe('bad-group-record');
  });

  it('a newcomer cannot decrypt what was sent before it joined, nor unwrap earlier keys', async () => {
    const g = await makeGroup(['S', 'A']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A'], 0);
    const earlierRecords = sender.records(0);
    await deliver(g, 'S', sender, rings, RECORD_REPEAT_MS);
    expect(sender.maybeSwitch(RECORD_REPEAT_MS)).toBe(true);
    const earlier = await encryptFrame(sender.sending as SenderKeyEpoch, 0, MEDIA);

    const n = await join(g, 'N');
    await sender.addMember({ pid: n.pid, keys: keysOf(get(g, 'S'), 'N') }, 100);
    const ringN = ringAt(g, 'N', 'S');
    rings.set('N', ringN);
    await deliver(g, 'S', sender, rings, 100);
    const later = await encryptFrame(sender.sending as SenderKeyEpoch, 0, MEDIA);

    expect(await receive(ringN, later)).toEqual(MEDIA);
    expect(await receive(rings.get('A') as SenderKeyRing, later)).toEqual(MEDIA); // A derived the step
    expect(await receive(ringN, earlier)).toBeNull();
    expect(await ringN.candidates(decodeHeader(earlier).kid)).toHaveLength(0);
    expect(await decryptsWithAnyHeldKey(await ringN.candidates(decodeHeader(later).kid), earlier)).toBe(false);
    for (const r of earlierRecords) {
      await expectE2eeRejection(() => openSenderKey(keysOf(n, 'S'), get(g, 'S').pid, n.pid, { ...r, to: n.pid }), 'bad-group-record');
    }
  });

  it('no key of one sender decrypts another sender’s frames', async () => {
    const g = await makeGroup(['S', 'T', 'A']);
    const one = await senderWithRings(g, 'S', ['T', 'A'], 0);
    const two = await senderWithRings(g, 'T', ['S', 'A'], 0);
    await deliver(g, 'S', one.sender, one.rings, 0);
    await deliver(g, 'T', two.sender, two.rings, 0);
    one.sender.maybeSwitch(0);
    two.sender.maybeSwitch(0);
    const fromS = await encryptFrame(one.sender.sending as SenderKeyEpoch, 0, MEDIA);
    expect(await receive(two.rings.get('A') as SenderKeyRing, fromS)).toBeNull();
    expect(await receive(one.rings.get('A') as SenderKeyRing, fromS)).toEqual(MEDIA);
  });
});
