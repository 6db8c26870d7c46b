/**
 * The version-2 handshake packet (protocol.md §4): what rides in the handshake slot of a frame's trailer (§2).
 *
 *   packet = version u8 (= 2) | from pid (8) | record*                    at most 1024 bytes (senders)
 *   record = type u8 | length u16 BE | body (length bytes)                 unknown types skipped
 *
 *   0x01 COMMIT   to pid (8) | suite u8 | commitment (32)                  body 41
 *   0x02 REVEAL   to pid (8) | ephemeral X25519 public key (32)            body 40
 *   0x03 CONFIRM  to pid (8) | AES-128-GCM ciphertext and tag (>= 112)     body >= 120
 *
 * Why strict: every byte here is the adversary's. Decoding checks every length before reading, so a packet is either
 * exactly well formed or an `E2eeError` ('malformed-packet', 'unsupported-version') — never a TypeError or a
 * RangeError. A known record type with the wrong length makes the whole packet malformed: version 2 has no optional
 * fields in its records (new things come as new record types, or as CONFIRM extensions), so a wrong length can only
 * be a broken or hostile sender. Parsed fields are fresh copies.
 *
 * Version 1 (§4.1, §9) put a 179-byte hello whose first byte is 1 in the same slot: `isVersion1Hello` recognises it,
 * so the session can tell "an older CallSeal" from garbage.
 */
import { concatBytes } from '../shared/bytes';
import { requireBytes, u16be } from './bytes';
import {
  COMMITMENT_LENGTH,
  COMMIT_BODY_LENGTH,
  CONFIRM_SEALED_MIN_LENGTH,
  MAX_PACKET_LENGTH,
  PACKET_HEADER_LENGTH,
  PID_LENGTH,
  PROTOCOL_VERSION,
  RECORD_COMMIT,
  RECORD_CONFIRM,
  RECORD_HEADER_LENGTH,
  RECORD_REVEAL,
  REVEAL_BODY_LENGTH,
  VERSION_1,
  VERSION_1_HELLO_LENGTH,
  X25519_PUBLIC_KEY_LENGTH,
} from './constants';
import { E2eeError } from './errors';

export interface CommitRecord {
  kind: 'commit';
  to: Uint8Array;
  suite: number;
  commitment: Uint8Array;
}

export interface RevealRecord {
  kind: 'reveal';
  to: Uint8Array;
  ephemeralPublicKey: Uint8Array;
}

export interface ConfirmRecord {
  kind: 'confirm';
  to: Uint8Array;
  /** AES-GCM ciphertext || tag of the CONFIRM plaintext (confirm.ts). */
  sealed: Uint8Array;
}

export type HandshakeRecord = CommitRecord | RevealRecord | ConfirmRecord;

interface HandshakePacket {
  from: Uint8Array;
  records: HandshakeRecord[];
}

export interface DecodedHandshakePacket extends HandshakePacket {
  /** Records of unknown types that were skipped (§4: reserved for group calls and later versions). */
  skipped: number;
}

function malformed(why: string): E2eeError {
  return new E2eeError('malformed-packet', why);
}

function encodeRecord(record: HandshakeRecord): Uint8Array {
  if (typeof record !== 'object' || record === null) throw new E2eeError('invalid-argument', 'record must be an object');
  requireBytes(record.to, 'record to pid', PID_LENGTH);
  let type: number;
  let body: Uint8Array;
  switch (record.kind) {
    case 'commit':
      if (!Number.isInteger(record.suite) || record.suite < 0 || record.suite > 0xff) {
        throw new E2eeError('invalid-argument', 'suite must be a u8');
      }
      requireBytes(record.commitment, 'commitment', COMMITMENT_LENGTH);
      type = RECORD_COMMIT;
      body = concatBytes(record.to, Uint8Array.of(record.suite), record.commitment);
      break;
    case 'reveal':
      requireBytes(record.ephemeralPublicKey, 'ephemeral public key', X25519_PUBLIC_KEY_LENGTH);
      type = RECORD_REVEAL;
      body = concatBytes(record.to, record.ephemeralPublicKey);
      break;
    case 'confirm':
      requireBytes(record.sealed, 'sealed confirm');
      if (record.sealed.length < CONFIRM_SEALED_MIN_LENGTH) {
        throw new E2eeError('invalid-argument', `sealed confirm must be at least ${CONFIRM_SEALED_MIN_LENGTH} bytes`);
      }
      type = RECORD_CONFIRM;
      body = concatBytes(record.to, record.sealed);
      break;
    default:
      throw new E2eeError('invalid-argument', 'unknown record kind');
  }
  if (body.length > 0xffff) throw new E2eeError('invalid-argument', 'record body too long');
  return concatBytes(Uint8Array.of(type), u16be(body.length), body);
}

/** Encoded length of a record (header included), for packing records under MAX_PACKET_LENGTH. */
export function encodedRecordLength(record: HandshakeRecord): number {
  return encodeRecord(record).length;
}

/** Builds a packet; throws 'invalid-argument' for bad fields or a packet over MAX_PACKET_LENGTH (§4.2). */
export function encodeHandshakePacket(packet: HandshakePacket): Uint8Array<ArrayBuffer> {
  if (typeof packet !== 'object' || packet === null) throw new E2eeError('invalid-argument', 'packet must be an object');
  requireBytes(packet.from, 'from pid', PID_LENGTH);
  if (!Array.isArray(packet.records)) throw new E2eeError('invalid-argument', 'records must be an array');
  const out = concatBytes(Uint8Array.of(PROTOCOL_VERSION), packet.from, ...packet.records.map(encodeRecord));
  if (out.length > MAX_PACKET_LENGTH) {
    throw new E2eeError('invalid-argument', `packet of ${out.length} bytes exceeds ${MAX_PACKET_LENGTH}`);
  }
  return out;
}

function decodeRecord(type: number, body: Uint8Array): HandshakeRecord | null {
  switch (type) {
    case RECORD_COMMIT:
      if (body.length !== COMMIT_BODY_LENGTH) throw malformed(`COMMIT body of ${body.length} bytes`);
      return {
        kind: 'commit',
        to: body.slice(0, PID_LENGTH),
        suite: body[PID_LENGTH] ?? 0,
        commitment: body.slice(PID_LENGTH + 1),
      };
    case RECORD_REVEAL:
      if (body.length !== REVEAL_BODY_LENGTH) throw malformed(`REVEAL body of ${body.length} bytes`);
      return { kind: 'reveal', to: body.slice(0, PID_LENGTH), ephemeralPublicKey: body.slice(PID_LENGTH) };
    case RECORD_CONFIRM:
      if (body.length < PID_LENGTH + CONFIRM_SEALED_MIN_LENGTH) throw malformed(`CONFIRM body of ${body.length} bytes`);
      return { kind: 'confirm', to: body.slice(0, PID_LENGTH), sealed: body.slice(PID_LENGTH) };
    default:
      return null; // unknown type: skipped (§4)
  }
}

/**
 * Walks a packet's framing (§4: version | from pid | record*), handing each record's type and body to `visit`, and
 * returns the sender's pid. Throws 'unsupported-version' for a first byte other than the protocol version,
 * 'malformed-packet' for anything that does not frame exactly. The one reader of the framing: the pair's records
 * (below) and the group's (group-records.ts) are read through it.
 */
export function walkPacket(bytes: Uint8Array, visit: (type: number, body: Uint8Array) => void): Uint8Array<ArrayBuffer> {
  requireBytes(bytes, 'handshake packet');
  if (bytes.length === 0) throw malformed('empty packet');
  if (bytes[0] !== PROTOCOL_VERSION) throw new E2eeError('unsupported-version', `packet version ${bytes[0] ?? 0}`);
  if (bytes.length < PACKET_HEADER_LENGTH) throw malformed('packet shorter than its header');
  const from = bytes.slice(1, PACKET_HEADER_LENGTH);
  let offset = PACKET_HEADER_LENGTH;
  while (offset < bytes.length) {
    if (bytes.length - offset < RECORD_HEADER_LENGTH) throw malformed('truncated record header');
    const type = bytes[offset] ?? 0;
    const length = ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0);
    const start = offset + RECORD_HEADER_LENGTH;
    if (length > bytes.length - start) throw malformed('record length exceeds the packet');
    visit(type, bytes.subarray(start, start + length));
    offset = start + length;
  }
  return from;
}

/**
 * Decodes a packet. Throws 'unsupported-version' for a first byte other than 2 (including version 1: check
 * `isVersion1Hello` first), 'malformed-packet' for anything that does not frame exactly. Does not enforce the
 * sender's 1024-byte limit (a longer packet that frames exactly is still read; the container caps it at 65535).
 */
export function decodeHandshakePacket(bytes: Uint8Array): DecodedHandshakePacket {
  const records: HandshakeRecord[] = [];
  let skipped = 0;
  const from = walkPacket(bytes, (type, body) => {
    const record = decodeRecord(type, body);
    if (record === null) skipped++;
    else records.push(record);
  });
  return { from, records, skipped };
}

/** True for what version 1 put in the handshake slot: a 179-byte hello whose first byte is 1 (§4.1). */
export function isVersion1Hello(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length === VERSION_1_HELLO_LENGTH && bytes[0] === VERSION_1;
}
