/**
 * The group records of the handshake packet (protocol.md §11.4): how a sender key, its acknowledgement and the group
 * code's commit and reveal travel in band.
 *
 *   0x04 SENDER-KEY   to pid (8) | generation u32 | step u8 | tag u16 | sealed (48)          body 63
 *   0x05 ACK          to pid (8) | kind u8 | number u32 | step u8 | mac (16)                  body 30
 *   0x06 CODE-COMMIT  to pid (8) | round u32 | roster (32) | sealed (48)                      body 92
 *   0x07 CODE-REVEAL  to pid (8) | round u32 | roster (32) | sealed (48)                      body 92
 *
 * Why a codec of its own: these types ride in version-3 packets, whose decoder (handshake-packet.ts) skips them —
 * that is what lets a group-capable side talk to a 1:1-only peer without a version break (§11.3). This module reads
 * and writes exactly these bodies, with the same strictness as §4: a known type with any other length is malformed
 * (`E2eeError('malformed-packet')`), never a TypeError; parsed fields are fresh copies. What the sealed bytes and MACs
 * mean is group-wrap.ts and group-code.ts.
 */
import { concatBytes, requireBytes, u16be } from './bytes';
import { PID_LENGTH, SHA256_LENGTH } from './constants';
import { E2eeError } from './errors';
import { walkPacket } from './handshake-packet';

export const RECORD_SENDER_KEY = 0x04;
export const RECORD_ACK = 0x05;
export const RECORD_CODE_COMMIT = 0x06;
export const RECORD_CODE_REVEAL = 0x07;

/** A sealed 32-byte value: ciphertext and the AES-GCM tag. */
export const GROUP_SEALED_LENGTH = 32 + 16;
/** The ACK's truncated HMAC-SHA-256. */
export const ACK_MAC_LENGTH = 16;
export const SENDER_KEY_BODY_LENGTH = PID_LENGTH + 4 + 1 + 2 + GROUP_SEALED_LENGTH;
export const ACK_BODY_LENGTH = PID_LENGTH + 1 + 4 + 1 + ACK_MAC_LENGTH;
export const CODE_BODY_LENGTH = PID_LENGTH + 4 + SHA256_LENGTH + GROUP_SEALED_LENGTH;

/** The record types an ACK acknowledges. */
export type AckedType = typeof RECORD_SENDER_KEY | typeof RECORD_CODE_COMMIT | typeof RECORD_CODE_REVEAL;

export interface SenderKeyRecord {
  kind: 'sender-key';
  to: Uint8Array;
  generation: number;
  step: number;
  tag: number;
  sealed: Uint8Array;
}

export interface AckRecord {
  kind: 'ack';
  to: Uint8Array;
  acked: AckedType;
  /** The generation (SENDER-KEY) or the round (CODE-COMMIT, CODE-REVEAL). */
  number: number;
  /** The step (SENDER-KEY); 0 otherwise. */
  step: number;
  mac: Uint8Array;
}

export interface CodeRecord {
  kind: 'code-commit' | 'code-reveal';
  to: Uint8Array;
  round: number;
  roster: Uint8Array;
  sealed: Uint8Array;
}

export type GroupRecord = SenderKeyRecord | AckRecord | CodeRecord;

function malformed(why: string): E2eeError {
  return new E2eeError('malformed-packet', why);
}

export function isU32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff_ffff;
}

function isU8(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xff;
}

export function u32be(value: number): Uint8Array<ArrayBuffer> {
  if (!isU32(value)) throw new E2eeError('invalid-argument', 'u32 out of range');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

export function isAckedType(value: unknown): value is AckedType {
  return value === RECORD_SENDER_KEY || value === RECORD_CODE_COMMIT || value === RECORD_CODE_REVEAL;
}

function requireU32(value: unknown, what: string): asserts value is number {
  if (!isU32(value)) throw new E2eeError('invalid-argument', `${what} must be a u32`);
}

function requireU8(value: unknown, what: string): asserts value is number {
  if (!isU8(value)) throw new E2eeError('invalid-argument', `${what} must be a u8`);
}

function typeAndBody(record: GroupRecord): [number, Uint8Array] {
  if (typeof record !== 'object' || record === null) throw new E2eeError('invalid-argument', 'record must be an object');
  requireBytes(record.to, 'record to pid', PID_LENGTH);
  switch (record.kind) {
    case 'sender-key': {
      requireU32(record.generation, 'generation');
      requireU8(record.step, 'step');
      if (!Number.isInteger(record.tag) || record.tag < 1 || record.tag > 0xffff) {
        throw new E2eeError('invalid-argument', 'tag must be 1..65535');
      }
      requireBytes(record.sealed, 'sealed sender key', GROUP_SEALED_LENGTH);
      const body = concatBytes(record.to, u32be(record.generation), Uint8Array.of(record.step), u16be(record.tag), record.sealed);
      return [RECORD_SENDER_KEY, body];
    }
    case 'ack': {
      if (!isAckedType(record.acked)) throw new E2eeError('invalid-argument', 'ACK of an unknown record type');
      requireU32(record.number, 'number');
      requireU8(record.step, 'step');
      requireBytes(record.mac, 'ACK mac', ACK_MAC_LENGTH);
      return [RECORD_ACK, concatBytes(record.to, Uint8Array.of(record.acked), u32be(record.number), Uint8Array.of(record.step), record.mac)];
    }
    case 'code-commit':
    case 'code-reveal': {
      requireU32(record.round, 'round');
      requireBytes(record.roster, 'roster', SHA256_LENGTH);
      requireBytes(record.sealed, 'sealed code value', GROUP_SEALED_LENGTH);
      const type = record.kind === 'code-commit' ? RECORD_CODE_COMMIT : RECORD_CODE_REVEAL;
      return [type, concatBytes(record.to, u32be(record.round), record.roster, record.sealed)];
    }
    default:
      throw new E2eeError('invalid-argument', 'unknown group record kind');
  }
}

/** The record as it goes into a packet: type u8 | length u16 | body (§4). */
export function encodeGroupRecord(record: GroupRecord): Uint8Array<ArrayBuffer> {
  const [type, body] = typeAndBody(record);
  return concatBytes(Uint8Array.of(type), u16be(body.length), body);
}

/**
 * Reads the body of a record of type `type`: the group record, or null for a type that is not one (0x01–0x03 are
 * the pair's, §4; 0x08 and above are reserved). Throws 'malformed-packet' for a group type with a body of another
 * length, or an ACK of an unknown type.
 */
export function decodeGroupRecord(type: number, body: Uint8Array): GroupRecord | null {
  requireBytes(body, 'record body');
  const to = (): Uint8Array => body.slice(0, PID_LENGTH);
  switch (type) {
    case RECORD_SENDER_KEY:
      if (body.length !== SENDER_KEY_BODY_LENGTH) throw malformed(`SENDER-KEY body of ${body.length} bytes`);
      return {
        kind: 'sender-key',
        to: to(),
        generation: readU32(body, PID_LENGTH),
        step: body[PID_LENGTH + 4] ?? 0,
        tag: ((body[PID_LENGTH + 5] ?? 0) << 8) | (body[PID_LENGTH + 6] ?? 0),
        sealed: body.slice(PID_LENGTH + 7),
      };
    case RECORD_ACK: {
      if (body.length !== ACK_BODY_LENGTH) throw malformed(`ACK body of ${body.length} bytes`);
      const acked = body[PID_LENGTH];
      if (!isAckedType(acked)) throw malformed(`ACK of record type ${acked ?? 0}`);
      return {
        kind: 'ack',
        to: to(),
        acked,
        number: readU32(body, PID_LENGTH + 1),
        step: body[PID_LENGTH + 5] ?? 0,
        mac: body.slice(PID_LENGTH + 6),
      };
    }
    case RECORD_CODE_COMMIT:
    case RECORD_CODE_REVEAL:
      if (body.length !== CODE_BODY_LENGTH) throw malformed(`CODE record body of ${body.length} bytes`);
      return {
        kind: type === RECORD_CODE_COMMIT ? 'code-commit' : 'code-reveal',
        to: to(),
        round: readU32(body, PID_LENGTH),
        roster: body.slice(PID_LENGTH + 4, PID_LENGTH + 4 + SHA256_LENGTH),
        sealed: body.slice(PID_LENGTH + 4 + SHA256_LENGTH),
      };
    default:
      return null;
  }
}

/**
 * The group records of a version-3 packet (§4 framing: version | from pid | record*), with the sender's pid. The
 * pair's records (0x01–0x03) and reserved types are left to handshake-packet.ts. Throws 'unsupported-version' or
 * 'malformed-packet' like decodeHandshakePacket.
 */
export function groupRecordsOfPacket(bytes: Uint8Array): { from: Uint8Array; records: GroupRecord[] } {
  const records: GroupRecord[] = [];
  const from = walkPacket(bytes, (type, body) => {
    const record = decodeGroupRecord(type, body);
    if (record !== null) records.push(record);
  });
  return { from, records };
}
