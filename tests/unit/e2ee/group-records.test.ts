/**
 * The group records' byte layouts (protocol.md §11.4), and how they ride in a version-3 packet next to the pair's
 * records: a decoder without group support skips them (§11.3), so group-capable and 1:1-only peers share one packet.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, u16be } from '../../../src/e2ee/bytes';
import { MAX_PACKET_LENGTH, PROTOCOL_VERSION } from '../../../src/e2ee/constants';
import { decodeHandshakePacket, encodeHandshakePacket } from '../../../src/e2ee/handshake-packet';
import {
  ACK_BODY_LENGTH,
  CODE_BODY_LENGTH,
  RECORD_ACK,
  RECORD_CODE_COMMIT,
  RECORD_CODE_REVEAL,
  RECORD_SENDER_KEY,
  SENDER_KEY_BODY_LENGTH,
  decodeGroupRecord,
  encodeGroupRecord,
  groupRecordsOfPacket,
  type GroupRecord,
} from '../../../src/e2ee/group-records';
import { expectE2eeError } from './helpers';

const to = Uint8Array.from({ length: 8 }, (_, i) => 0x10 + i);
const from = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i);
const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

const senderKey: GroupRecord = { kind: 'sender-key', to, generation: 0x01020304, step: 5, tag: 0xbeef, sealed: fill(48, 7) };
const ack: GroupRecord = { kind: 'ack', to, acked: RECORD_SENDER_KEY, number: 0x01020304, step: 5, mac: fill(16, 9) };
const commit: GroupRecord = { kind: 'code-commit', to, round: 3, roster: fill(32, 1), sealed: fill(48, 2) };
const reveal: GroupRecord = { kind: 'code-reveal', to, round: 3, roster: fill(32, 1), sealed: fill(48, 3) };

describe('group records (§11.4)', () => {
  it('have exactly the documented layouts', () => {
    expect([SENDER_KEY_BODY_LENGTH, ACK_BODY_LENGTH, CODE_BODY_LENGTH]).toEqual([63, 30, 92]);
    expect(encodeGroupRecord(senderKey)).toEqual(
      concatBytes(Uint8Array.of(0x04), u16be(63), to, Uint8Array.of(1, 2, 3, 4, 5, 0xbe, 0xef), fill(48, 7)),
    );
    expect(encodeGroupRecord(ack)).toEqual(
      concatBytes(Uint8Array.of(0x05), u16be(30), to, Uint8Array.of(0x04, 1, 2, 3, 4, 5), fill(16, 9)),
    );
    expect(encodeGroupRecord(commit)).toEqual(
      concatBytes(Uint8Array.of(0x06), u16be(92), to, Uint8Array.of(0, 0, 0, 3), fill(32, 1), fill(48, 2)),
    );
    expect(encodeGroupRecord(reveal)[0]).toBe(0x07);
  });

  it('decode to what was encoded', () => {
    for (const record of [senderKey, ack, commit, reveal]) {
      const bytes = encodeGroupRecord(record);
      expect(decodeGroupRecord(bytes[0] as number, bytes.subarray(3))).toEqual(record);
    }
  });

  it('refuse any other length, an ACK of an unknown type, and leave other types alone', () => {
    for (const [type, length] of [
      [RECORD_SENDER_KEY, SENDER_KEY_BODY_LENGTH],
      [RECORD_ACK, ACK_BODY_LENGTH],
      [RECORD_CODE_COMMIT, CODE_BODY_LENGTH],
      [RECORD_CODE_REVEAL, CODE_BODY_LENGTH],
    ]) {
      expectE2eeError(() => decodeGroupRecord(type as number, new Uint8Array((length as number) - 1)), 'malformed-packet');
      expectE2eeError(() => decodeGroupRecord(type as number, new Uint8Array((length as number) + 1)), 'malformed-packet');
    }
    const badAck = encodeGroupRecord(ack).slice(3);
    badAck[8] = 0x01; // an ACK of a COMMIT of the pair: not a group record
    expectE2eeError(() => decodeGroupRecord(RECORD_ACK, badAck), 'malformed-packet');
    expect(decodeGroupRecord(0x01, new Uint8Array(41))).toBeNull();
    expect(decodeGroupRecord(0x08, new Uint8Array(5))).toBeNull();
  });

  it('refuse to encode fields out of range', () => {
    expectE2eeError(() => encodeGroupRecord({ ...senderKey, tag: 0 } as GroupRecord), 'invalid-argument');
    expectE2eeError(() => encodeGroupRecord({ ...senderKey, step: 256 } as GroupRecord), 'invalid-argument');
    expectE2eeError(() => encodeGroupRecord({ ...senderKey, generation: 2 ** 32 } as GroupRecord), 'invalid-argument');
    expectE2eeError(() => encodeGroupRecord({ ...senderKey, sealed: fill(47, 0) } as GroupRecord), 'invalid-argument');
    expectE2eeError(() => encodeGroupRecord({ ...ack, acked: 0x05 } as unknown as GroupRecord), 'invalid-argument');
    expectE2eeError(() => encodeGroupRecord({ ...commit, to: fill(7, 0) } as GroupRecord), 'invalid-argument');
  });
});

describe('group records in a version-3 packet (§11.3)', () => {
  it('are skipped by the pair decoder and read by the group one; 7 SENDER-KEYs fit one packet', () => {
    const pairPacket = encodeHandshakePacket({ from, records: [{ kind: 'reveal', to, ephemeralPublicKey: fill(32, 9) }] });
    const group = [senderKey, ack, commit, reveal, ...Array.from({ length: 6 }, () => senderKey)];
    const packet = concatBytes(pairPacket, ...group.map(encodeGroupRecord));
    expect(packet.length).toBeLessThanOrEqual(MAX_PACKET_LENGTH);
    const asPair = decodeHandshakePacket(packet);
    expect(asPair.records.map((r) => r.kind)).toEqual(['reveal']);
    expect(asPair.skipped).toBe(group.length);
    const asGroup = groupRecordsOfPacket(packet);
    expect(asGroup.from).toEqual(from);
    expect(asGroup.records).toEqual(group);
  });

  it('frame exactly, like the pair decoder', () => {
    const packet = concatBytes(Uint8Array.of(PROTOCOL_VERSION), from, encodeGroupRecord(ack));
    expectE2eeError(() => groupRecordsOfPacket(packet.subarray(0, packet.length - 1)), 'malformed-packet');
    expectE2eeError(() => groupRecordsOfPacket(concatBytes(packet, Uint8Array.of(4, 0))), 'malformed-packet');
    expectE2eeError(() => groupRecordsOfPacket(Uint8Array.of(2, ...from)), 'unsupported-version');
    expectE2eeError(() => groupRecordsOfPacket(new Uint8Array(0)), 'malformed-packet');
  });
});
