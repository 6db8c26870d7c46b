/**
 * Sender keys for group calls (protocol.md §11): every participant encrypts its media under its own sender key, which
 * it distributes to each other member sealed under their pair's keys, repeated until acknowledged.
 *
 *   K(g, 0)     = 32 random bytes                                                  a fresh generation, random tag T
 *   K(g, s+1)   = HKDF-SHA256(K(g, s), salt "", info "CallSeal-g1 ratchet")        a join: one-way, step s+1
 *   KID         = T << 16 | s << 8 | sender index                                  32 bits, T != 0 (§11.2)
 *   base key    = HKDF-SHA256(K(g, s), salt "", info "CallSeal-g1 sframe base key" || u64 KID)
 *   wrap key X  = HKDF-SHA256(media secret of X, salt "", info "CallSeal-g1 wrap")   AES-128-GCM   (§11.4)
 *   ack key X   = HKDF-SHA256(media secret of X, salt "", info "CallSeal-g1 ack")    HMAC-SHA-256
 *   SENDER-KEY  = AES-128-GCM(wrap key of from, 0x04 || g u32 || s u8 || 00*6,
 *                             "CallSeal-g1 sender key" || from || to || g u32 || s u8 || T u16, K(g, s))
 *   ACK mac     = HMAC-SHA-256(ack key of from, "CallSeal-g1 ack" || from || to || type || number u32 || step u8)[0..16)
 *
 * Why this shape (§11.8): a key per sender means no two senders ever share a (key, nonce) (RFC 9605 §9.1) and no
 * coordination is needed; a join ratchets (a newcomer cannot go back), a leave rotates (a leaver never gets the new
 * generation). `GroupSender` is one sender's side: which key it sends under, what it still has to deliver, and to
 * whom, and when it may switch. `SenderKeyRing` is one receiver's view of one member: which of its keys it holds,
 * with the replay rules of §11.6. Both take time as an argument and hold no timers; nothing here touches a frame.
 * Only WebCrypto (HKDF, AES-GCM, HMAC) and crypto.getRandomValues: no primitive is implemented here.
 */
import { asciiBytes, concatBytes, equalBytes, requireBytes, toHex, u16be, u64be } from './bytes';
import { PID_LENGTH } from './constants';
import { readExtensions } from './display-name';
import { E2eeError } from './errors';
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
import { aesGcm, cryptoCall, hkdfSha256, importHkdfKey, subtle } from './webcrypto';

// ---- Constants, §11 ------------------------------------------------------------------------------------------

/** The group protocol this code speaks (§11.3). */
export const GROUP_PROTOCOL_VERSION = 1;
/** CONFIRM extension type of the group capability (§4.5, §11.3). */
export const EXTENSION_GROUP = 0x02;
export const SENDER_KEY_LENGTH = 32;
/** Steps per generation: after 255, a join makes a fresh generation (§11.2). */
export const MAX_STEP = 0xff;
/** How far ahead of the newest decrypted step a receiver derives for a frame (§11.6). */
export const MAX_STEPS_AHEAD = 16;
/** A rotation switches when every member acknowledged, or after this at the latest (§11.5). */
export const SWITCH_DEADLINE_MS = 2000;
/** A pending record goes out at most this often (§11.4). */
export const RECORD_REPEAT_MS = 100;
/** Generations a receiver holds per member: the newest and the one before (§11.6). */
export const HELD_GENERATIONS = 2;

const RATCHET_LABEL = asciiBytes('CallSeal-g1 ratchet');
const BASE_KEY_LABEL = asciiBytes('CallSeal-g1 sframe base key');
const WRAP_KEY_LABEL = asciiBytes('CallSeal-g1 wrap');
const ACK_KEY_LABEL = asciiBytes('CallSeal-g1 ack');
const SENDER_KEY_AAD_LABEL = asciiBytes('CallSeal-g1 sender key');
const ACK_MAC_LABEL = asciiBytes('CallSeal-g1 ack');
const EMPTY = new Uint8Array(0);

// ---- Capability, §11.3 ---------------------------------------------------------------------------------------

/** The CONFIRM extension the background appends to say "I speak group protocol 1": 0x02 | 0x01 | 0x01. */
export function groupCapabilityExtension(): Uint8Array<ArrayBuffer> {
  return Uint8Array.of(EXTENSION_GROUP, 1, GROUP_PROTOCOL_VERSION);
}

/**
 * The group protocol version a verified CONFIRM's extensions announce, or null: no 0x02, more than one, a value
 * that is not one byte, or extensions that do not frame (a 1:1-only peer, §11.3).
 */
export function peerGroupVersion(extensions: Uint8Array): number | null {
  let records;
  try {
    records = readExtensions(extensions);
  } catch {
    return null;
  }
  const group = records.filter((r) => r.type === EXTENSION_GROUP);
  if (group.length !== 1 || group[0]?.value.length !== 1) return null;
  return group[0].value[0] ?? null;
}

/** The peer speaks this group protocol (its signed CONFIRM announced version 1). */
export function supportsGroup(extensions: Uint8Array): boolean {
  return peerGroupVersion(extensions) === GROUP_PROTOCOL_VERSION;
}

// ---- Sender keys and KIDs, §11.2 -----------------------------------------------------------------------------

/** One epoch (generation, step) of a sender's key. `key` is K(g, s). */
export interface SenderKeyEpoch {
  readonly generation: number;
  readonly step: number;
  readonly tag: number;
  readonly key: Uint8Array;
}

function requireTag(tag: unknown): asserts tag is number {
  if (!Number.isInteger(tag) || (tag as number) < 1 || (tag as number) > 0xffff) {
    throw new E2eeError('invalid-argument', 'tag must be 1..65535');
  }
}

function requireStep(step: unknown): asserts step is number {
  if (!Number.isInteger(step) || (step as number) < 0 || (step as number) > MAX_STEP) {
    throw new E2eeError('invalid-argument', `step must be 0..${MAX_STEP}`);
  }
}

function requireEpoch(epoch: SenderKeyEpoch): void {
  if (typeof epoch !== 'object' || epoch === null) throw new E2eeError('invalid-argument', 'epoch missing');
  if (!isU32(epoch.generation) || epoch.generation === 0) throw new E2eeError('invalid-argument', 'generation must be 1..2^32-1');
  requireStep(epoch.step);
  requireTag(epoch.tag);
  requireBytes(epoch.key, 'sender key', SENDER_KEY_LENGTH);
}

/** A random tag (1..65535) not in `avoid` (the tags of the other members' current generations, §11.2). */
export function newTag(avoid: Iterable<number> = []): number {
  const taken = new Set(avoid);
  const draw = new Uint16Array(1);
  for (;;) {
    crypto.getRandomValues(draw);
    const tag = draw[0] ?? 0;
    if (tag !== 0 && !taken.has(tag)) return tag;
  }
}

/** A fresh generation: 32 random bytes at step 0, under a new tag. */
export function generateSenderKey(generation: number, avoidTags: Iterable<number> = []): SenderKeyEpoch {
  if (!isU32(generation) || generation === 0) throw new E2eeError('invalid-argument', 'generation must be 1..2^32-1');
  const key = new Uint8Array(SENDER_KEY_LENGTH);
  crypto.getRandomValues(key);
  return { generation, step: 0, tag: newTag(avoidTags), key };
}

async function hkdfFrom(secret: Uint8Array, info: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const base = await importHkdfKey(secret);
  return hkdfSha256(base, EMPTY, info, SENDER_KEY_LENGTH);
}

/** K(g, s+1) from K(g, s): one HKDF step, one-way (§11.2). Throws 'invalid-argument' past step 255. */
export async function ratchetSenderKey(epoch: SenderKeyEpoch): Promise<SenderKeyEpoch> {
  requireEpoch(epoch);
  if (epoch.step >= MAX_STEP) throw new E2eeError('invalid-argument', 'the generation has no step left');
  const key = await hkdfFrom(epoch.key, RATCHET_LABEL);
  return { generation: epoch.generation, step: epoch.step + 1, tag: epoch.tag, key };
}

/** KID = tag << 16 | step << 8 | sender index: at least 2^16, so never a version-3 KID (0..255). */
export function groupKid(tag: number, step: number, senderIndex: number): bigint {
  requireTag(tag);
  requireStep(step);
  if (!Number.isInteger(senderIndex) || senderIndex < 0 || senderIndex > 0xff) {
    throw new E2eeError('invalid-argument', 'sender index must be 0..255');
  }
  return (BigInt(tag) << 16n) | (BigInt(step) << 8n) | BigInt(senderIndex);
}

/** The parts of a group KID read from the wire, or null for anything else (a version-3 KID, or too large). */
export function parseGroupKid(kid: unknown): { tag: number; step: number; senderIndex: number } | null {
  if (typeof kid !== 'bigint' || kid < 1n << 16n || kid >= 1n << 32n) return null;
  const value = Number(kid);
  return { tag: value >>> 16, step: (value >>> 8) & 0xff, senderIndex: value & 0xff };
}

/** The SFrame base key of one local RTP sender under one epoch (§11.2); RFC 9605 §4.4.2 takes it from there. */
export async function groupFrameBaseKey(epoch: SenderKeyEpoch, senderIndex: number): Promise<Uint8Array<ArrayBuffer>> {
  requireEpoch(epoch);
  const kid = groupKid(epoch.tag, epoch.step, senderIndex);
  return hkdfFrom(epoch.key, concatBytes(BASE_KEY_LABEL, u64be(kid)));
}

// ---- Pair keys for distribution, §11.4 -----------------------------------------------------------------------

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

function requirePids(from: Uint8Array, to: Uint8Array): void {
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

/** (generation, step) order: negative when a is older. */
export function compareEpochs(
  a: { generation: number; step: number },
  b: { generation: number; step: number },
): number {
  return a.generation !== b.generation ? a.generation - b.generation : a.step - b.step;
}

// ---- One sender: rotation, distribution, acknowledgement, switching (§11.5) ---------------------------------

interface Pending {
  record: SenderKeyRecord;
  lastSentAt: number;
}

interface Member {
  pid: Uint8Array;
  keys: GroupPairKeys;
  pending: Pending | null;
  /** The newest of our epochs it acknowledged. */
  acked: { generation: number; step: number } | null;
}

export type AckOutcome = 'accepted' | 'duplicate' | 'stale' | 'bad-mac' | 'unknown-member' | 'not-a-sender-key';

export interface GroupMemberInput {
  pid: Uint8Array;
  keys: GroupPairKeys;
}

/**
 * One participant's own sender key and its distribution (§11.5):
 * - `start` (group mode begins) and `removeMember` (a leave) make a fresh generation for every member and gate the
 *   switch on their ACKs, for at most SWITCH_DEADLINE_MS;
 * - `addMember` (a join) ratchets one step and sends it to the newcomer only; the others derive it, so the switch is
 *   immediate unless a rotation is still pending;
 * - `records` says which SENDER-KEYs are due; `handleAck` takes the members' ACKs; `maybeSwitch` moves `sending` to
 *   `latest` when allowed. Frames are encrypted under `sending`.
 */
export class GroupSender {
  private readonly members = new Map<string, Member>();
  private latestEpoch: SenderKeyEpoch | null = null;
  private sendingEpoch: SenderKeyEpoch | null = null;
  /** Members whose ACK of the latest generation the switch waits for. */
  private readonly gate = new Set<string>();
  private deadline = Number.POSITIVE_INFINITY;
  private nextGeneration = 1;

  constructor(readonly myPid: Uint8Array) {
    requireBytes(myPid, 'my pid', PID_LENGTH);
    this.myPid = myPid.slice();
  }

  /** The epoch media is encrypted under now (null before group mode). */
  get sending(): SenderKeyEpoch | null {
    return this.sendingEpoch;
  }

  /** The newest epoch made; differs from `sending` while a rotation waits for ACKs. */
  get latest(): SenderKeyEpoch | null {
    return this.latestEpoch;
  }

  memberPids(): Uint8Array[] {
    return [...this.members.values()].map((m) => m.pid.slice());
  }

  /** The member acknowledged the epoch we send under (or a step of its generation we can ratchet from): it hears us. */
  hears(pid: Uint8Array): boolean {
    const m = this.members.get(toHex(pid));
    const sending = this.sendingEpoch;
    if (m?.acked == null || sending === null) return false;
    return m.acked.generation === sending.generation && m.acked.step <= sending.step;
  }

  /** Whether a SENDER-KEY to this member still waits for its ACK. */
  pendingFor(pid: Uint8Array): { generation: number; step: number } | null {
    const p = this.members.get(toHex(pid))?.pending;
    return p == null ? null : { generation: p.record.generation, step: p.record.step };
  }

  private register(member: GroupMemberInput): Member {
    requireBytes(member.pid, 'member pid', PID_LENGTH);
    if (equalBytes(member.pid, this.myPid)) throw new E2eeError('invalid-argument', 'we are not our own member');
    const key = toHex(member.pid);
    if (this.members.has(key)) throw new E2eeError('invalid-argument', 'member already present');
    const m: Member = { pid: member.pid.slice(), keys: member.keys, pending: null, acked: null };
    this.members.set(key, m);
    return m;
  }

  private async queue(m: Member, epoch: SenderKeyEpoch): Promise<void> {
    const record = await sealSenderKey(m.keys, this.myPid, m.pid, epoch);
    m.pending = { record, lastSentAt: Number.NEGATIVE_INFINITY };
  }

  /** Group mode begins (§11.5): generation 1 for every member present. */
  async start(members: readonly GroupMemberInput[], now: number, avoidTags: Iterable<number> = []): Promise<void> {
    if (this.latestEpoch !== null) throw new E2eeError('invalid-argument', 'group mode already started');
    for (const member of members) this.register(member);
    await this.rotate(now, avoidTags);
  }

  /**
   * A fresh generation for every member (a leave, or a renewal): sealed to each, the switch gated on their ACKs for
   * at most SWITCH_DEADLINE_MS (a deadline already running is not extended).
   */
  async rotate(now: number, avoidTags: Iterable<number> = []): Promise<void> {
    if (!Number.isFinite(now)) throw new E2eeError('invalid-argument', 'now must be a number');
    const ownTags = [this.latestEpoch?.tag, this.sendingEpoch?.tag].filter((t): t is number => t !== undefined);
    const epoch = generateSenderKey(this.nextGeneration++, [...avoidTags, ...ownTags]);
    this.latestEpoch = epoch;
    this.gate.clear();
    for (const [key, m] of this.members) {
      await this.queue(m, epoch);
      this.gate.add(key);
    }
    if (this.sendingEpoch === null || this.gate.size === 0) {
      this.deadline = Number.POSITIVE_INFINITY;
      if (this.gate.size === 0) this.sendingEpoch = epoch;
      else this.deadline = now + SWITCH_DEADLINE_MS; // entering group mode: still under the pair keys meanwhile
    } else {
      this.deadline = Math.min(this.deadline, now + SWITCH_DEADLINE_MS);
    }
  }

  /**
   * A newcomer (§11.5): the latest epoch ratchets one step and goes to the newcomer only; the other members derive
   * it. Past step 255 it is a rotation instead. Before group mode, the member is only registered.
   */
  async addMember(member: GroupMemberInput, now: number, avoidTags: Iterable<number> = []): Promise<void> {
    const m = this.register(member);
    const latest = this.latestEpoch;
    if (latest === null) return;
    if (latest.step >= MAX_STEP) {
      await this.rotate(now, avoidTags);
      return;
    }
    const next = await ratchetSenderKey(latest);
    this.latestEpoch = next;
    await this.queue(m, next);
    if (this.gate.size === 0) this.sendingEpoch = next; // no rotation pending: switch at once
  }

  /** A leave (§11.5): the member is forgotten and every remaining member gets a fresh generation. */
  async removeMember(pid: Uint8Array, now: number, avoidTags: Iterable<number> = []): Promise<void> {
    requireBytes(pid, 'member pid', PID_LENGTH);
    const key = toHex(pid);
    if (!this.members.delete(key)) return;
    this.gate.delete(key);
    if (this.latestEpoch !== null) await this.rotate(now, avoidTags);
  }

  /** The SENDER-KEYs due now (each pending one at most every RECORD_REPEAT_MS), marked as sent. */
  records(now: number): SenderKeyRecord[] {
    const out: SenderKeyRecord[] = [];
    for (const m of this.members.values()) {
      const p = m.pending;
      if (p === null || now - p.lastSentAt < RECORD_REPEAT_MS) continue;
      p.lastSentAt = now;
      out.push(p.record);
    }
    return out;
  }

  /** A member's ACK: clears its pending SENDER-KEY when it names exactly that record and its MAC verifies. */
  async handleAck(from: Uint8Array, record: AckRecord): Promise<AckOutcome> {
    const m = this.members.get(toHex(from));
    if (m === undefined) return 'unknown-member';
    if (record.acked !== RECORD_SENDER_KEY) return 'not-a-sender-key';
    if (!(await verifyAck(m.keys, m.pid, this.myPid, record))) return 'bad-mac';
    const acked = { generation: record.number, step: record.step };
    const p = m.pending;
    if (p !== null && compareEpochs(acked, p.record) === 0) {
      m.pending = null;
      m.acked = acked;
      if (this.latestEpoch !== null && acked.generation === this.latestEpoch.generation) this.gate.delete(toHex(from));
      return 'accepted';
    }
    return m.acked !== null && compareEpochs(acked, m.acked) === 0 ? 'duplicate' : 'stale';
  }

  /** Moves `sending` to `latest` once every gated member acknowledged, or at the deadline. True when it switched. */
  maybeSwitch(now: number): boolean {
    const latest = this.latestEpoch;
    if (latest === null || this.sendingEpoch === latest) return false;
    if (this.gate.size > 0 && now < this.deadline) return false;
    this.sendingEpoch = latest;
    this.gate.clear();
    this.deadline = Number.POSITIVE_INFINITY;
    return true;
  }
}

// ---- One receiver's view of one member's keys (§11.6) -------------------------------------------------------

interface HeldGeneration {
  generation: number;
  tag: number;
  /** The lowest step held: nothing below it can be derived. */
  lowestStep: number;
  /** step → K(g, step), at most the two newest. */
  steps: Map<number, Uint8Array>;
  newestStep: number;
}

export type SenderKeyOutcome = 'accepted' | 'duplicate' | 'stale' | 'conflicting' | 'bad-group-record';

/**
 * The keys one member sent us (§11.6): SENDER-KEYs are taken in strictly increasing (generation, step), a byte-equal
 * repeat of the last one is a duplicate (to be ACKed again), anything older is stale (a replay, or overtaken); at most
 * HELD_GENERATIONS generations are kept. `candidates` finds the keys a frame's KID may be under, deriving at most
 * MAX_STEPS_AHEAD steps forward; `confirm` keeps a derived step once a frame authenticated under it.
 */
export class SenderKeyRing {
  private last: { generation: number; step: number; sealed: Uint8Array } | null = null;
  private held: HeldGeneration[] = [];

  constructor(
    readonly myPid: Uint8Array,
    readonly peerPid: Uint8Array,
    private readonly keys: GroupPairKeys,
  ) {
    requirePids(peerPid, myPid);
    this.myPid = myPid.slice();
    this.peerPid = peerPid.slice();
  }

  /** The generations held, newest first. */
  get generations(): number[] {
    return this.held.map((h) => h.generation);
  }

  /** The tags of the generations held (for §11.2's tag choice). */
  get tags(): number[] {
    return this.held.map((h) => h.tag);
  }

  async accept(record: SenderKeyRecord): Promise<SenderKeyOutcome> {
    if (!equalBytes(record.to, this.myPid)) return 'bad-group-record';
    const last = this.last;
    if (last !== null) {
      const order = compareEpochs(record, last);
      if (order === 0) return equalBytes(record.sealed, last.sealed) ? 'duplicate' : 'conflicting';
      if (order < 0) return 'stale';
    }
    let epoch: SenderKeyEpoch;
    try {
      epoch = await openSenderKey(this.keys, this.peerPid, this.myPid, record);
    } catch {
      return 'bad-group-record';
    }
    this.last = { generation: record.generation, step: record.step, sealed: record.sealed.slice() };
    const newest = this.held[0];
    if (newest?.generation === epoch.generation && newest.tag === epoch.tag) {
      this.keep(newest, epoch.step, epoch.key);
    } else {
      const entry: HeldGeneration = {
        generation: epoch.generation,
        tag: epoch.tag,
        lowestStep: epoch.step,
        steps: new Map([[epoch.step, epoch.key]]),
        newestStep: epoch.step,
      };
      this.held = [entry, ...this.held].slice(0, HELD_GENERATIONS);
    }
    return 'accepted';
  }

  private keep(entry: HeldGeneration, step: number, key: Uint8Array): void {
    entry.steps.set(step, key);
    entry.newestStep = Math.max(entry.newestStep, step);
    const steps = [...entry.steps.keys()].sort((a, b) => b - a);
    for (const old of steps.slice(2)) entry.steps.delete(old);
    entry.lowestStep = Math.min(...entry.steps.keys());
  }

  /**
   * The epochs a frame with this KID may be under: every held generation with the KID's tag whose step is one we
   * hold or can derive (at or above the lowest held, at most MAX_STEPS_AHEAD past the newest). Empty for a KID that
   * is not a group KID. Derived steps are not kept: call `confirm` after the frame authenticates.
   */
  async candidates(kid: bigint): Promise<SenderKeyEpoch[]> {
    const parts = parseGroupKid(kid);
    if (parts === null) return [];
    const out: SenderKeyEpoch[] = [];
    for (const h of this.held) {
      if (h.tag !== parts.tag || parts.step < h.lowestStep || parts.step > h.newestStep + MAX_STEPS_AHEAD) continue;
      const from = Math.max(...[...h.steps.keys()].filter((s) => s <= parts.step));
      let epoch: SenderKeyEpoch = { generation: h.generation, step: from, tag: h.tag, key: h.steps.get(from) as Uint8Array };
      while (epoch.step < parts.step) epoch = await ratchetSenderKey(epoch);
      out.push(epoch);
    }
    return out;
  }

  /** A frame authenticated under `epoch`: keep its step (and drop steps older than the one before it). */
  confirm(epoch: SenderKeyEpoch): void {
    const h = this.held.find((e) => e.generation === epoch.generation && e.tag === epoch.tag);
    if (h !== undefined && epoch.step >= h.lowestStep) this.keep(h, epoch.step, epoch.key);
  }

  /** Drops every generation but the newest (§11.5: 10 s after the new one first decrypted). */
  dropPrevious(): void {
    this.held = this.held.slice(0, 1);
  }
}
