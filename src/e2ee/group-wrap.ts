/**
 * Distributing sender keys (protocol.md §11.4): each pair of members derives, from its two media secrets (§5.1), a
 * wrap key and an ack key per direction; a sender's key goes to each member sealed under their pair's wrap key (a
 * SENDER-KEY record), and each member acknowledges what it holds with a MAC under its ack key (an ACK record).
 *
 *   wrap key X  = HKDF-SHA256(media secret of X, salt "", info "CallSeal-g1 wrap")   AES-128-GCM
 *   ack key X   = HKDF-SHA256(media secret of X, salt "", info "CallSeal-g1 ack")    HMAC-SHA-256
 *   SENDER-KEY  = AES-128-GCM(wrap key of from, 0x04 || g u32 || s u8 || 00*6,
 *                             "CallSeal-g1 sender key" || from || to || g u32 || s u8 || T u16, K(g, s))
 *   ACK mac     = HMAC-SHA-256(ack key of from, "CallSeal-g1 ack" || from || to || type || number u32 || step u8)[0..16)
 *
 * Each direction has its own keys, so a record reflected back to its sender never opens. Only WebCrypto (HKDF,
 * AES-GCM, HMAC): no primitive is implemented here.
 */
import { asciiBytes, concatBytes, equalBytes, requireBytes, u16be } from './bytes';
import { PID_LENGTH } from './constants';
import { E2eeError } from './errors';
import { MAX_STEP, requireEpoch, requireStep, type SenderKeyEpoch } from './group-keys';
import {
  ACK_MAC_LENGTH,
  GROUP_SEALED_LENGTH,
  RECORD_SENDER_KEY,
  isAckedType,
  isU32,
  u32be,
  type AckRecord,
  type AckedType,
  type SenderKeyRecord,
} from './group-records';
import { aesGcm, cryptoCall, hkdfSha256, subtle } from './webcrypto';

const WRAP_KEY_LABEL = asciiBytes('CallSeal-g1 wrap');
const ACK_KEY_LABEL = asciiBytes('CallSeal-g1 ack');
const SENDER_KEY_AAD_LABEL = asciiBytes('CallSeal-g1 sender key');
const ACK_MAC_LABEL = asciiBytes('CallSeal-g1 ack');
const EMPTY = new Uint8Array(0);

/** The four keys of one pair's two directions. All non-extractable. */
export interface GroupPairKeys {
  /** Seals our SENDER-KEY and CODE records to the peer. */
  readonly myWrapKey: CryptoKey;
  /** MACs our ACKs to the peer. */
  readonly myAckKey: CryptoKey;
  /** Opens the peer's records. */
  readonly peerWrapKey: CryptoKey;
  /** Checks the peer's ACKs. */
  readonly peerAckKey: CryptoKey;
}

function requireHkdfKey(key: unknown, what: string): asserts key is CryptoKey {
  const k = key as Partial<CryptoKey> | null;
  if (typeof k !== 'object' || k === null || k.type !== 'secret' || k.algorithm?.name !== 'HKDF') {
    throw new E2eeError('invalid-argument', `${what} must be an HKDF secret CryptoKey`);
  }
}

/** HKDF from a media secret to bytes, imported at once as a non-extractable key and wiped (the secret allows only deriveBits). */
async function derivedKey(
  mediaSecret: CryptoKey,
  label: Uint8Array,
  length: number,
  algorithm: AesKeyAlgorithm | HmacImportParams,
  usage: KeyUsage,
): Promise<CryptoKey> {
  const bits = await hkdfSha256(mediaSecret, EMPTY, label, length);
  try {
    return await cryptoCall('group key import', 'crypto-unavailable', () =>
      subtle().importKey('raw', bits, algorithm, false, [usage]),
    );
  } finally {
    bits.fill(0);
  }
}

async function wrapKey(mediaSecret: CryptoKey, usage: KeyUsage): Promise<CryptoKey> {
  return derivedKey(mediaSecret, WRAP_KEY_LABEL, 16, { name: 'AES-GCM', length: 128 }, usage);
}

async function ackKey(mediaSecret: CryptoKey): Promise<CryptoKey> {
  return derivedKey(mediaSecret, ACK_KEY_LABEL, 32, { name: 'HMAC', hash: 'SHA-256', length: 256 }, 'sign');
}

/**
 * The pair's group keys from its two media secrets (pair secrets' sendSecret and receiveSecret, §5.1): ours seal and
 * MAC what we send, the peer's open and check what it sends. Each direction has its own keys, so a record reflected
 * back to its sender never opens.
 */
export async function deriveGroupPairKeys(sendSecret: CryptoKey, receiveSecret: CryptoKey): Promise<GroupPairKeys> {
  requireHkdfKey(sendSecret, 'send secret');
  requireHkdfKey(receiveSecret, 'receive secret');
  const [myWrapKey, myAckKey, peerWrapKey, peerAckKey] = await Promise.all([
    wrapKey(sendSecret, 'encrypt'),
    ackKey(sendSecret),
    wrapKey(receiveSecret, 'decrypt'),
    ackKey(receiveSecret),
  ]);
  return { myWrapKey, myAckKey, peerWrapKey, peerAckKey };
}

export function requirePids(from: Uint8Array, to: Uint8Array): void {
  requireBytes(from, 'from pid', PID_LENGTH);
  requireBytes(to, 'to pid', PID_LENGTH);
  if (equalBytes(from, to)) throw new E2eeError('invalid-argument', 'a record to ourselves');
}

/** AES-GCM nonce of a group record: its type, then its number, zero-padded to 12 bytes (§11.4). */
export function groupRecordNonce(type: number, number: number, step = 0): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  nonce[0] = type;
  nonce.set(u32be(number), 1);
  nonce[5] = step;
  return nonce;
}

function senderKeyAad(from: Uint8Array, to: Uint8Array, generation: number, step: number, tag: number): Uint8Array {
  return concatBytes(SENDER_KEY_AAD_LABEL, from, to, u32be(generation), Uint8Array.of(step), u16be(tag));
}

/** Seals K(g, s) for one member: the SENDER-KEY record from `myPid` to `peerPid` (§11.4). */
export async function sealSenderKey(
  keys: GroupPairKeys,
  myPid: Uint8Array,
  peerPid: Uint8Array,
  epoch: SenderKeyEpoch,
): Promise<SenderKeyRecord> {
  requirePids(myPid, peerPid);
  requireEpoch(epoch);
  const nonce = groupRecordNonce(RECORD_SENDER_KEY, epoch.generation, epoch.step);
  const aad = senderKeyAad(myPid, peerPid, epoch.generation, epoch.step, epoch.tag);
  const sealed = await aesGcm('encrypt', keys.myWrapKey, nonce, aad, epoch.key, 'crypto-unavailable');
  return { kind: 'sender-key', to: peerPid.slice(), generation: epoch.generation, step: epoch.step, tag: epoch.tag, sealed };
}

/**
 * Opens a SENDER-KEY that `peerPid` sent to `myPid`. Throws 'bad-group-record' when it is addressed elsewhere, or
 * does not open under this pair's keys with exactly these pids, generation, step and tag.
 */
export async function openSenderKey(
  keys: GroupPairKeys,
  peerPid: Uint8Array,
  myPid: Uint8Array,
  record: SenderKeyRecord,
): Promise<SenderKeyEpoch> {
  requirePids(peerPid, myPid);
  if (!equalBytes(record.to, myPid)) throw new E2eeError('bad-group-record', 'SENDER-KEY addressed to another pid');
  if (!isU32(record.generation) || record.generation === 0) throw new E2eeError('bad-group-record', 'generation 0');
  if (!Number.isInteger(record.tag) || record.tag < 1 || record.tag > 0xffff) {
    throw new E2eeError('bad-group-record', 'tag 0');
  }
  if (!Number.isInteger(record.step) || record.step < 0 || record.step > MAX_STEP) {
    throw new E2eeError('bad-group-record', 'step out of range');
  }
  requireBytes(record.sealed, 'sealed sender key', GROUP_SEALED_LENGTH, 'bad-group-record');
  const nonce = groupRecordNonce(RECORD_SENDER_KEY, record.generation, record.step);
  const aad = senderKeyAad(peerPid, myPid, record.generation, record.step, record.tag);
  const key = await aesGcm('decrypt', keys.peerWrapKey, nonce, aad, record.sealed, 'bad-group-record');
  return { generation: record.generation, step: record.step, tag: record.tag, key };
}

async function ackMac(
  key: CryptoKey,
  from: Uint8Array,
  to: Uint8Array,
  acked: AckedType,
  number: number,
  step: number,
): Promise<Uint8Array> {
  const message = concatBytes(ACK_MAC_LABEL, from, to, Uint8Array.of(acked), u32be(number), Uint8Array.of(step));
  const mac = await cryptoCall('HMAC', 'crypto-unavailable', () => subtle().sign('HMAC', key, message));
  return new Uint8Array(mac).slice(0, ACK_MAC_LENGTH);
}

/** Our ACK to `peerPid` of its record (type, number, step): "I hold it" (§11.4). */
export async function makeAck(
  keys: GroupPairKeys,
  myPid: Uint8Array,
  peerPid: Uint8Array,
  acked: AckedType,
  number: number,
  step = 0,
): Promise<AckRecord> {
  requirePids(myPid, peerPid);
  if (!isAckedType(acked) || !isU32(number)) throw new E2eeError('invalid-argument', 'bad ACK fields');
  requireStep(step);
  const mac = await ackMac(keys.myAckKey, myPid, peerPid, acked, number, step);
  return { kind: 'ack', to: peerPid.slice(), acked, number, step, mac };
}

/** True when `record` is `peerPid`'s genuine ACK to `myPid` (its MAC verifies under the peer's ack key). */
export async function verifyAck(
  keys: GroupPairKeys,
  peerPid: Uint8Array,
  myPid: Uint8Array,
  record: AckRecord,
): Promise<boolean> {
  requirePids(peerPid, myPid);
  if (!equalBytes(record.to, myPid) || !isAckedType(record.acked) || !isU32(record.number)) return false;
  if (!Number.isInteger(record.step) || record.step < 0 || record.step > MAX_STEP) return false;
  if (!(record.mac instanceof Uint8Array) || record.mac.length !== ACK_MAC_LENGTH) return false;
  const expected = await ackMac(keys.peerAckKey, peerPid, myPid, record.acked, record.number, record.step);
  return equalBytes(expected, record.mac);
}
