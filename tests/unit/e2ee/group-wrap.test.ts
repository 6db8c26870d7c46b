/**
 * Distributing sender keys (protocol.md §11.4): a sender key sealed under a pair's keys opens for that member only,
 * with exactly its pids, generation, step and tag; ACKs verify only from the member that holds the key.
 */
import { describe, expect, it } from 'vitest';
import { generateSenderKey, ratchetSenderKey } from '../../../src/e2ee/group-keys';
import { makeAck, openSenderKey, sealSenderKey, verifyAck } from '../../../src/e2ee/group-wrap';
import { SenderKeyRing } from '../../../src/e2ee/sender-key-ring';
import { RECORD_CODE_COMMIT, RECORD_SENDER_KEY, type SenderKeyRecord } from '../../../src/e2ee/group-records';
import { equalBytes } from '../../../src/e2ee/bytes';
import { expectE2eeRejection, flipBit } from './helpers';
import { get, keysOf, makeGroup } from './group-helpers';

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
