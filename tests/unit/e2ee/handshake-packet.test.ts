/** The version-3 handshake packet (laid out as version 2's) (protocol.md §4): exact layout, strict lengths, named errors only. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E2eeError } from '../../../src/e2ee/errors';
import {
  decodeHandshakePacket,
  encodeHandshakePacket,
  encodedRecordLength,
  isVersion1Hello,
  type HandshakeRecord,
} from '../../../src/e2ee/handshake-packet';
import { expectE2eeError } from './helpers';

const fill = (length: number, value: number) => new Uint8Array(length).fill(value);
const FROM = fill(8, 0xaa);
const TO = fill(8, 0xbb);
const commit: HandshakeRecord = { kind: 'commit', to: TO, suite: 4, commitment: fill(32, 1) };
const reveal: HandshakeRecord = { kind: 'reveal', to: TO, ephemeralPublicKey: fill(32, 2) };
const confirm: HandshakeRecord = { kind: 'confirm', to: TO, sealed: fill(112, 3) };

describe('handshake packet', () => {
  it('lays out version | from | records, with the sizes of §4.2', () => {
    expect(Array.from(encodeHandshakePacket({ from: FROM, records: [] }))).toEqual([3, ...FROM]);
    expect(Array.from(encodeHandshakePacket({ from: FROM, records: [commit] }))).toEqual([
      3, ...FROM, 0x01, 0, 41, ...TO, 4, ...fill(32, 1),
    ]);
    expect(encodedRecordLength(commit)).toBe(44);
    expect(encodedRecordLength(reveal)).toBe(43);
    expect(encodedRecordLength(confirm)).toBe(123);
    expect(encodeHandshakePacket({ from: FROM, records: [commit, reveal, confirm] })).toHaveLength(219);
  });

  it('round-trips every record kind, in order', () => {
    const packet = { from: FROM, records: [confirm, commit, reveal, commit] };
    expect(decodeHandshakePacket(encodeHandshakePacket(packet))).toEqual({ ...packet, skipped: 0 });
  });

  it('skips records of unknown types (reserved 0x04–0x0F and beyond)', () => {
    const known = encodeHandshakePacket({ from: FROM, records: [reveal] });
    const bytes = Uint8Array.from([...known, 0x04, 0, 2, 9, 9, 0xff, 0, 0, ...known.subarray(9)]);
    expect(decodeHandshakePacket(bytes)).toEqual({ from: FROM, records: [reveal, reveal], skipped: 2 });
  });

  it('refuses known records with the wrong length, and framing that does not add up, as malformed-packet', () => {
    const head = [3, ...FROM];
    const cases = [
      [],
      [3, 1, 2, 3],
      [...head, 0x01],
      [...head, 0x01, 0],
      [...head, 0x01, 0, 40, ...fill(40, 0)], // COMMIT body 40
      [...head, 0x01, 0, 42, ...fill(42, 0)], // COMMIT body 42
      [...head, 0x02, 0, 41, ...fill(41, 0)], // REVEAL body 41
      [...head, 0x03, 0, 119, ...fill(119, 0)], // CONFIRM body under 8 + 112
      [...head, 0x02, 0, 40, ...fill(39, 0)], // record longer than the packet
      [...head, 0x09, 0xff, 0xff, 1],
    ];
    for (const bytes of cases) expectE2eeError(() => decodeHandshakePacket(Uint8Array.from(bytes)), 'malformed-packet');
  });

  it('refuses other versions as unsupported-version (version 1 is recognised separately, §4.1)', () => {
    for (const version of [0, 1, 2, 4, 255]) {
      expectE2eeError(() => decodeHandshakePacket(Uint8Array.of(version, ...FROM)), 'unsupported-version');
    }
    const v1 = new Uint8Array(179);
    v1[0] = 1;
    expect(isVersion1Hello(v1)).toBe(true);
    expect(isVersion1Hello(v1.subarray(0, 178))).toBe(false);
    expect(isVersion1Hello(Uint8Array.of(2, ...new Uint8Array(178)))).toBe(false);
    expect(isVersion1Hello('x' as never)).toBe(false);
  });

  it('never throws anything but a named error on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (tail, asVersion2) => {
        const data = asVersion2 ? Uint8Array.from([3, ...tail]) : tail;
        try {
          const packet = decodeHandshakePacket(data);
          expect(packet.from).toHaveLength(8);
        } catch (error) {
          expect(error).toBeInstanceOf(E2eeError);
          expect(['malformed-packet', 'unsupported-version']).toContain((error as E2eeError).code);
        }
      }),
    );
  });

  it('validates what it encodes, and keeps packets within 1024 bytes', () => {
    expectE2eeError(() => encodeHandshakePacket(null as never), 'invalid-argument');
    expectE2eeError(() => encodeHandshakePacket({ from: fill(7, 0), records: [] }), 'invalid-argument');
    expectE2eeError(() => encodeHandshakePacket({ from: FROM, records: 'x' as never }), 'invalid-argument');
    expectE2eeError(() => encodeHandshakePacket({ from: FROM, records: [{ ...commit, suite: 256 }] }), 'invalid-argument');
    expectE2eeError(() => encodeHandshakePacket({ from: FROM, records: [{ ...reveal, to: fill(9, 0) }] }), 'invalid-argument');
    expectE2eeError(() => encodeHandshakePacket({ from: FROM, records: [{ ...confirm, sealed: fill(111, 0) }] }), 'invalid-argument');
    expectE2eeError(() => encodeHandshakePacket({ from: FROM, records: [{ kind: 'nope' } as never] }), 'invalid-argument');
    expectE2eeError(() => encodeHandshakePacket({ from: FROM, records: Array(9).fill(confirm) }), 'invalid-argument');
    expect(encodeHandshakePacket({ from: FROM, records: Array(8).fill(confirm) })).toHaveLength(9 + 8 * 123);
  });
});
