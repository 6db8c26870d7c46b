/**
 * Sender keys for group calls (protocol.md §11.2–§11.6): the key schedule and KIDs, sealing a sender key under a
 * pair's keys, ACKs, one sender's rotation and acknowledgement tracking, and one receiver's key ring — and the
 * properties the design exists for, checked on real SFrame frames: a leaver cannot decrypt what follows a rotation, a
 * newcomer cannot decrypt what was sent before it joined, a key sealed for one member opens for no other, and replayed
 * distribution records are refused.
 */
import { describe, expect, it } from 'vitest';
import { encodeDisplayNameExtension, isSendableExtensions } from '../../../src/e2ee/display-name';
import {
  EXTENSION_GROUP,
  GroupSender,
  MAX_STEP,
  MAX_STEPS_AHEAD,
  RECORD_REPEAT_MS,
  SWITCH_DEADLINE_MS,
  SenderKeyRing,
  generateSenderKey,
  groupCapabilityExtension,
  groupFrameBaseKey,
  groupKid,
  makeAck,
  newTag,
  openSenderKey,
  parseGroupKid,
  peerGroupVersion,
  ratchetSenderKey,
  sealSenderKey,
  supportsGroup,
  verifyAck,
  type SenderKeyEpoch,
} from '../../../src/e2ee/group-keys';
import { RECORD_CODE_COMMIT, RECORD_SENDER_KEY, type SenderKeyRecord } from '../../../src/e2ee/group-records';
import { decodeHeader } from '../../../src/sframe/header';
import { concatBytes, equalBytes } from '../../../src/e2ee/bytes';
import { expectE2eeError, expectE2eeRejection, flipBit } from './helpers';
import { encryptFrame, join, makeGroup, pairKeys, randomPid, tryDecrypt, type Participant } from './group-helpers';

const MEDIA = new TextEncoder().encode('a video frame of the meeting, after its clear prefix');

function get(group: Map<string, Participant>, name: string): Participant {
  const p = group.get(name);
  if (p === undefined) throw new Error(`no ${name}`);
  return p;
}

function keysOf(p: Participant, other: string) {
  const k = p.keys.get(other);
  if (k === undefined) throw new Error(`${p.name} has no pair with ${other}`);
  return k;
}

/** A sender's GroupSender over the given members, and a ring at each member for the sender's keys. */
async function senderWithRings(group: Map<string, Participant>, senderName: string, memberNames: string[], now = 0) {
  const s = get(group, senderName);
  const sender = new GroupSender(s.pid);
  const members = memberNames.map((n) => ({ pid: get(group, n).pid, keys: keysOf(s, n) }));
  await sender.start(members, now);
  const rings = new Map(memberNames.map((n) => [n, ringAt(group, n, senderName)]));
  return { s, sender, rings };
}

function ringAt(group: Map<string, Participant>, at: string, from: string): SenderKeyRing {
  const me = get(group, at);
  return new SenderKeyRing(me.pid, get(group, from).pid, keysOf(me, from));
}

/** Delivers every due SENDER-KEY to its member, and the members' ACKs back. Returns the outcomes by member. */
async function deliver(
  group: Map<string, Participant>,
  senderName: string,
  sender: GroupSender,
  rings: Map<string, SenderKeyRing>,
  now: number,
): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>();
  const s = get(group, senderName);
  for (const record of sender.records(now)) {
    const member = [...group.values()].find((p) => equalBytes(p.pid, record.to)) as Participant;
    const ring = rings.get(member.name);
    if (ring === undefined) continue;
    const outcome = await ring.accept(record);
    outcomes.set(member.name, outcome);
    if (outcome === 'accepted' || outcome === 'duplicate') {
      const ack = await makeAck(keysOf(member, senderName), member.pid, s.pid, RECORD_SENDER_KEY, record.generation, record.step);
      await sender.handleAck(member.pid, ack);
    }
  }
  return outcomes;
}

/** What a receiver does with a frame: look the KID up in its ring, try each candidate, keep the one that works. */
async function receive(ring: SenderKeyRing, frame: Uint8Array): Promise<Uint8Array | null> {
  const { kid } = decodeHeader(frame);
  const index = parseGroupKid(kid)?.senderIndex ?? 0;
  for (const epoch of await ring.candidates(kid)) {
    const plain = await tryDecrypt(epoch, index, frame);
    if (plain !== null) {
      ring.confirm(epoch);
      return plain;
    }
  }
  return null;
}

/** Every key a ring holds or could derive, tried against a frame under the frame's own KID: a brute-force receiver. */
async function decryptsWithAnyHeldKey(held: readonly SenderKeyEpoch[], frame: Uint8Array): Promise<boolean> {
  const parts = parseGroupKid(decodeHeader(frame).kid);
  if (parts === null) return false;
  for (const start of held) {
    let epoch: SenderKeyEpoch = { ...start, tag: parts.tag };
    for (let i = 0; i <= MAX_STEPS_AHEAD && epoch.step < MAX_STEP; i++) {
      const asFrame = { ...epoch, step: parts.step };
      if ((await tryDecrypt(asFrame, parts.senderIndex, frame)) !== null) return true;
      if ((await tryDecrypt(epoch, parts.senderIndex, frame)) !== null) return true;
      epoch = await ratchetSenderKey(epoch);
    }
  }
  return false;
}

describe('the group capability (§11.3)', () => {
  it('is CONFIRM extension 0x02 with version 1, and the background may send it with a name', () => {
    const ext = groupCapabilityExtension();
    expect([...ext]).toEqual([EXTENSION_GROUP, 1, 1]);
    expect(peerGroupVersion(ext)).toBe(1);
    const withName = concatBytes(encodeDisplayNameExtension('Alice'), ext);
    expect(isSendableExtensions(withName)).toBe(true);
    expect(supportsGroup(withName)).toBe(true);
  });

  it('is absent for a 1:1-only peer, and anything malformed counts as absent', () => {
    expect(peerGroupVersion(new Uint8Array(0))).toBeNull();
    expect(supportsGroup(encodeDisplayNameExtension('Bob'))).toBe(false);
    expect(peerGroupVersion(concatBytes(groupCapabilityExtension(), groupCapabilityExtension()))).toBeNull();
    expect(peerGroupVersion(Uint8Array.of(EXTENSION_GROUP, 2, 1, 1))).toBeNull();
    expect(peerGroupVersion(Uint8Array.of(EXTENSION_GROUP, 1))).toBeNull(); // does not frame
    expect(supportsGroup(Uint8Array.of(EXTENSION_GROUP, 1, 2))).toBe(false); // a later group version
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

describe('sealing a sender key under a pair (§11.4)', () => {
  it('opens for its member, with generation, step and tag bound', async () => {
    const g = await makeGroup(['S', 'A']);
    const [s, a] = [get(g, 'S'), get(g, 'A')];
    const epoch = await ratchetSenderKey(generateSenderKey(5));
    const record = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, epoch);
    expect(record.sealed.length).toBe(48);
    const opened = await openSenderKey(keysOf(a, 'S'), s.pid, a.pid, record);
    expect(opened).toMatchObject({ generation: 5, step: 1, tag: epoch.tag });
    expect(equalBytes(opened.key, epoch.key)).toBe(true);
    const tampered: SenderKeyRecord[] = [
      { ...record, generation: 6 },
      { ...record, step: 2 },
      { ...record, tag: record.tag ^ 1 || 1 },
      { ...record, sealed: flipBit(record.sealed, 5) },
      { ...record, sealed: flipBit(record.sealed, 47 * 8) },
    ];
    for (const t of tampered) await expectE2eeRejection(() => openSenderKey(keysOf(a, 'S'), s.pid, a.pid, t), 'bad-group-record');
  });

  it('a key sealed for A cannot be opened by B, even if B readdresses it, nor by its sender', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const [s, a, b] = [get(g, 'S'), get(g, 'A'), get(g, 'B')];
    const record = await sealSenderKey(keysOf(s, 'A'), s.pid, a.pid, generateSenderKey(1));
    await expectE2eeRejection(() => openSenderKey(keysOf(b, 'S'), s.pid, b.pid, record), 'bad-group-record');
    await expectE2eeRejection(() => openSenderKey(keysOf(b, 'S'), s.pid, b.pid, { ...record, to: b.pid }), 'bad-group-record');
    await expectE2eeRejection(() => openSenderKey(keysOf(b, 'A'), a.pid, b.pid, { ...record, to: b.pid }), 'bad-group-record');
    // reflected back to S as if A had sent it: the other direction's key
    await expectE2eeRejection(() => openSenderKey(keysOf(s, 'A'), a.pid, s.pid, { ...record, to: s.pid }), 'bad-group-record');
    // B's ring for S refuses it too, and keeps nothing
    const ring = new SenderKeyRing(b.pid, s.pid, keysOf(b, 'S'));
    expect(await ring.accept({ ...record, to: b.pid })).toBe('bad-group-record');
    expect(ring.generations).toEqual([]);
  });

  it('ACKs verify only from their member, for exactly what they name', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const [s, a, b] = [get(g, 'S'), get(g, 'A'), get(g, 'B')];
    const ack = await makeAck(keysOf(a, 'S'), a.pid, s.pid, RECORD_SENDER_KEY, 9, 2);
    expect(ack.mac.length).toBe(16);
    expect(await verifyAck(keysOf(s, 'A'), a.pid, s.pid, ack)).toBe(true);
    expect(await verifyAck(keysOf(s, 'A'), a.pid, s.pid, { ...ack, number: 10 })).toBe(false);
    expect(await verifyAck(keysOf(s, 'A'), a.pid, s.pid, { ...ack, step: 3 })).toBe(false);
    expect(await verifyAck(keysOf(s, 'A'), a.pid, s.pid, { ...ack, acked: RECORD_CODE_COMMIT })).toBe(false);
    expect(await verifyAck(keysOf(s, 'A'), a.pid, s.pid, { ...ack, mac: flipBit(ack.mac, 0) })).toBe(false);
    expect(await verifyAck(keysOf(s, 'B'), b.pid, s.pid, ack)).toBe(false); // B cannot ACK for A
    const fromB = await makeAck(keysOf(b, 'S'), b.pid, s.pid, RECORD_SENDER_KEY, 9, 2);
    expect(await verifyAck(keysOf(s, 'A'), a.pid, s.pid, fromB)).toBe(false);
  });
});

describe('one sender: rotation, acknowledgement and the switch (§11.5)', () => {
  it('entering group mode: generation 1 to every member, repeated until ACKed, the switch gated on the ACKs', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A', 'B'], 0);
    expect(sender.sending).toBeNull();
    expect(sender.latest).toMatchObject({ generation: 1, step: 0 });
    expect(sender.records(0)).toHaveLength(2);
    expect(sender.records(RECORD_REPEAT_MS - 1)).toHaveLength(0); // at most every 100 ms
    const again = sender.records(RECORD_REPEAT_MS);
    expect(again).toHaveLength(2);
    // only A's arrives and is ACKed
    const a = get(g, 'A');
    const toA = again.find((r) => equalBytes(r.to, a.pid)) as SenderKeyRecord;
    expect(await (rings.get('A') as SenderKeyRing).accept(toA)).toBe('accepted');
    const ackA = await makeAck(keysOf(a, 'S'), a.pid, get(g, 'S').pid, RECORD_SENDER_KEY, 1, 0);
    expect(await sender.handleAck(a.pid, ackA)).toBe('accepted');
    expect(await sender.handleAck(a.pid, ackA)).toBe('duplicate');
    expect(sender.maybeSwitch(500)).toBe(false);
    expect(sender.records(1000).map((r) => r.to)).toEqual([get(g, 'B').pid]); // only B's still repeats
    await deliver(g, 'S', sender, rings, 1200);
    expect(sender.maybeSwitch(1200)).toBe(true);
    expect(sender.sending).toBe(sender.latest);
    expect(sender.hears(a.pid) && sender.hears(get(g, 'B').pid)).toBe(true);
    expect(sender.records(5000)).toHaveLength(0);
  });

  it('switches at the deadline when a member never ACKs', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A', 'B'], 0);
    rings.delete('B'); // B's records are lost
    await deliver(g, 'S', sender, rings, 0);
    expect(sender.maybeSwitch(SWITCH_DEADLINE_MS - 1)).toBe(false);
    expect(sender.maybeSwitch(SWITCH_DEADLINE_MS)).toBe(true);
    expect(sender.hears(get(g, 'B').pid)).toBe(false);
    expect(sender.records(SWITCH_DEADLINE_MS + 1000).map((r) => r.to)).toEqual([get(g, 'B').pid]); // keeps repeating
  });

  it('a forged or misdirected ACK clears nothing', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const { sender } = await senderWithRings(g, 'S', ['A', 'B'], 0);
    const [s, a, b] = [get(g, 'S'), get(g, 'A'), get(g, 'B')];
    const ackFromB = await makeAck(keysOf(b, 'S'), b.pid, s.pid, RECORD_SENDER_KEY, 1, 0);
    expect(await sender.handleAck(a.pid, ackFromB)).toBe('bad-mac');
    const forged = { ...ackFromB, mac: new Uint8Array(16) };
    expect(await sender.handleAck(b.pid, forged)).toBe('bad-mac');
    expect(await sender.handleAck(crypto.getRandomValues(new Uint8Array(8)), ackFromB)).toBe('unknown-member');
    const wrongEpoch = await makeAck(keysOf(a, 'S'), a.pid, s.pid, RECORD_SENDER_KEY, 2, 0);
    expect(await sender.handleAck(a.pid, wrongEpoch)).toBe('stale');
    expect(sender.pendingFor(a.pid)).toEqual({ generation: 1, step: 0 });
    expect(sender.maybeSwitch(100)).toBe(false);
  });

  it('a join ratchets one step, sends it to the newcomer only, and switches at once', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A', 'B'], 0);
    await deliver(g, 'S', sender, rings, 0);
    sender.maybeSwitch(0);
    const before = sender.sending as SenderKeyEpoch;
    const n = await join(g, 'N');
    await sender.addMember({ pid: n.pid, keys: keysOf(get(g, 'S'), 'N') }, 10);
    expect(sender.sending).toMatchObject({ generation: before.generation, step: 1, tag: before.tag });
    const due = sender.records(10);
    expect(due.map((r) => r.to)).toEqual([n.pid]);
    expect(due[0]).toMatchObject({ generation: before.generation, step: 1 });
  });

  it('a leave makes a fresh generation for the remaining members only', async () => {
    const g = await makeGroup(['S', 'A', 'B', 'L']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A', 'B', 'L'], 0);
    await deliver(g, 'S', sender, rings, 0);
    sender.maybeSwitch(0);
    const old = sender.sending as SenderKeyEpoch;
    await sender.removeMember(get(g, 'L').pid, 5000);
    expect(sender.latest).toMatchObject({ generation: old.generation + 1, step: 0 });
    expect(sender.latest?.tag).not.toBe(old.tag);
    expect(sender.sending).toBe(old); // until ACKed or 2 s
    const due = sender.records(5000);
    expect(due).toHaveLength(2);
    expect(due.some((r) => equalBytes(r.to, get(g, 'L').pid))).toBe(false);
    await deliver(g, 'S', sender, rings, 5000 + RECORD_REPEAT_MS);
    expect(sender.maybeSwitch(5000 + RECORD_REPEAT_MS)).toBe(true);
    expect(sender.sending?.generation).toBe(old.generation + 1);
  });

  it('a join while a rotation waits ratchets the new generation; a second leave does not extend the deadline', async () => {
    const g = await makeGroup(['S', 'A', 'B', 'L1', 'L2']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A', 'B', 'L1', 'L2'], 0);
    await deliver(g, 'S', sender, rings, 0);
    expect(sender.maybeSwitch(0)).toBe(true);
    const first = sender.sending as SenderKeyEpoch;
    await sender.removeMember(get(g, 'L1').pid, 1000); // deadline 3000
    const n = await join(g, 'N');
    await sender.addMember({ pid: n.pid, keys: keysOf(get(g, 'S'), 'N') }, 1500);
    expect(sender.sending).toBe(first); // still waiting for the rotation's ACKs
    expect(sender.latest).toMatchObject({ generation: first.generation + 1, step: 1 });
    expect(sender.pendingFor(n.pid)).toEqual({ generation: first.generation + 1, step: 1 });
    expect(sender.pendingFor(get(g, 'A').pid)).toEqual({ generation: first.generation + 1, step: 0 });
    await sender.removeMember(get(g, 'L2').pid, 2500); // a fresh generation again, same deadline
    expect(sender.latest).toMatchObject({ generation: first.generation + 2, step: 0 });
    expect(sender.maybeSwitch(2999)).toBe(false);
    expect(sender.maybeSwitch(3000)).toBe(true);
    expect(sender.sending?.generation).toBe(first.generation + 2);
  });

  it('a join at step 255 is a rotation', async () => {
    const g = await makeGroup(['S', 'A', 'B']);
    const { sender, rings } = await senderWithRings(g, 'S', ['A'], 0);
    await deliver(g, 'S', sender, rings, 0);
    sender.maybeSwitch(0);
    const s = get(g, 'S');
    const { x } = await pairKeys(s.pid, randomPid()); // the newcomers' keys: not used, only sealed under
    for (let i = 0; i < MAX_STEP; i++) await sender.addMember({ pid: randomPid(), keys: x }, 0);
    expect(sender.latest).toMatchObject({ generation: 1, step: MAX_STEP });
    await sender.addMember({ pid: get(g, 'B').pid, keys: keysOf(get(g, 'S'), 'B') }, 0);
    expect(sender.latest).toMatchObject({ generation: 2, step: 0 });
  });
});

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
