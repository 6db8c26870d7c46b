/**
 * One receiver's key ring (protocol.md §11.6): sender keys taken in increasing order, duplicates and replays, the
 * generations held, and which keys a frame's KID may be under.
 */
import { describe, expect, it } from 'vitest';
import { MAX_STEPS_AHEAD, generateSenderKey, groupKid, ratchetSenderKey } from '../../../src/e2ee/group-keys';
import { sealSenderKey } from '../../../src/e2ee/group-wrap';
import { SenderKeyRing } from '../../../src/e2ee/sender-key-ring';
import { MEDIA, encryptFrame, get, keysOf, makeGroup, receive } from './group-helpers';

describe('one receiver: the key ring (§11.6)', () => {
  it('takes SENDER-KEYs in order; a replay is a duplicate or stale, never a change', async () => {
    const g = await makeGroup(['S', 'A']);
    const [s, a] = [get(g, 'S'), get(g, 'A')];
    const ring = new SenderKeyRing(a.pid, s.pid, keysOf(a, 'S'));
    const k1 = generateSenderKey(1);
    const r1 = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, k1);
    const k2 = generateSenderKey(2);
    const r2 = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, k2);
    expect(await ring.accept(r1)).toBe('accepted');
    expect(await ring.accept(r1)).toBe('duplicate');
    expect(await ring.accept(r2)).toBe('accepted');
    expect(ring.generations).toEqual([2, 1]);
    expect(await ring.accept(r1)).toBe('stale'); // replayed after a newer one
    expect(await ring.accept(r2)).toBe('duplicate');
    const other = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, { ...generateSenderKey(2), tag: k2.tag });
    expect(await ring.accept(other)).toBe('conflicting');
    expect(ring.generations).toEqual([2, 1]);
    // reordered: generation 4 before 3 — 3 is then stale and never installed
    const r4 = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, generateSenderKey(4));
    const r3 = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, generateSenderKey(3));
    expect(await ring.accept(r4)).toBe('accepted');
    expect(await ring.accept(r3)).toBe('stale');
    expect(ring.generations).toEqual([4, 2]);
    ring.dropPrevious();
    expect(ring.generations).toEqual([4]);
  });

  it('a distribution record replayed into another pair, or the other direction, does not open', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const [s, a, b] = [get(g, 'S'), get(g, 'A'), get(g, 'B')];
    const toA = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, generateSenderKey(1));
    const ringAFromB = new SenderKeyRing(a.pid, b.pid, keysOf(a, 'B'));
    expect(await ringAFromB.accept(toA)).toBe('bad-group-record');
    const ringSFromA = new SenderKeyRing(s.pid, a.pid, keysOf(s, 'A'));
    expect(await ringSFromA.accept({ ...toA, to: s.pid })).toBe('bad-group-record');
  });

  it('derives steps ahead for a frame, boundedly, and only keeps those that decrypt', async () => {
    const g = await makeGroup(['S', 'A']);
    const [s, a] = [get(g, 'S'), get(g, 'A')];
    const ring = new SenderKeyRing(a.pid, s.pid, keysOf(a, 'S'));
    const k0 = generateSenderKey(1);
    await ring.accept(await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, k0));
    let k = k0;
    for (let i = 0; i < 3; i++) k = await ratchetSenderKey(k);
    expect(await receive(ring, await encryptFrame(k, 2, MEDIA))).toEqual(MEDIA); // step 3, derived
    expect(await ring.candidates(groupKid(k0.tag, 0, 0))).toHaveLength(1); // the step before: frames in flight
    const k3 = k;
    for (let i = 0; i < 2; i++) k = await ratchetSenderKey(k);
    expect(await receive(ring, await encryptFrame(k, 0, MEDIA))).toEqual(MEDIA); // step 5
    expect(await ring.candidates(groupKid(k0.tag, 0, 0))).toHaveLength(0); // steps below the two newest are gone
    expect(await receive(ring, await encryptFrame(k3, 1, MEDIA))).toEqual(MEDIA); // step 3 still in flight
    expect(await ring.candidates(groupKid(k0.tag, 5 + MAX_STEPS_AHEAD + 1, 0))).toHaveLength(0);
    expect(await ring.candidates(groupKid(k0.tag, 5 + MAX_STEPS_AHEAD, 0))).toHaveLength(1);
    expect(await ring.candidates(groupKid(k0.tag ^ 0x8000 || 1, 3, 0))).toHaveLength(0); // another tag
    expect(await ring.candidates(5n)).toHaveLength(0); // a version-3 KID
    // a forged frame with a KID far ahead moves nothing
    const forged = await encryptFrame({ ...generateSenderKey(1), tag: k0.tag, step: 10 }, 0, MEDIA);
    const heldBefore = await ring.candidates(groupKid(k0.tag, 5, 0));
    expect(await receive(ring, forged)).toBeNull();
    expect(await ring.candidates(groupKid(k0.tag, 5, 0))).toEqual(heldBefore);
    expect(await receive(ring, await encryptFrame(k, 0, MEDIA))).toEqual(MEDIA);
  });
});
