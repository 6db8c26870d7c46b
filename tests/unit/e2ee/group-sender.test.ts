/**
 * One sender (protocol.md §11.5): rotation on a leave, a ratchet on a join, acknowledgement tracking, and when the
 * switch to the new key may happen.
 */
import { describe, expect, it } from 'vitest';
import { MAX_STEP, RECORD_REPEAT_MS, SWITCH_DEADLINE_MS, type SenderKeyEpoch } from '../../../src/e2ee/group-keys';
import { makeAck } from '../../../src/e2ee/group-wrap';
import type { SenderKeyRing } from '../../../src/e2ee/sender-key-ring';
import { RECORD_SENDER_KEY, type SenderKeyRecord } from '../../../src/e2ee/group-records';
import { equalBytes } from '../../../src/e2ee/bytes';
import { deliver, get, join, keysOf, makeGroup, pairKeys, randomPid, senderWithRings } from './group-helpers';

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
