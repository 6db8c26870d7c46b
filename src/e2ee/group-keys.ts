/**
 * Sender keys for group calls (protocol.md §11): every participant encrypts its media under its own sender key, which
 * it distributes to each other member sealed under their pair's keys (group-wrap.ts), repeated until acknowledged
 * (group-sender.ts); each receiver holds what each member sent it (sender-key-ring.ts). This module is the key
 * schedule itself and the capability that says a peer speaks it:
 *
 *   K(g, 0)     = 32 random bytes                                                  a fresh generation, random tag T
 *   K(g, s+1)   = HKDF-SHA256(K(g, s), salt "", info "CallSeal-g1 ratchet")        a join: one-way, step s+1
 *   KID         = T << 16 | s << 8 | sender index                                  32 bits, T != 0 (§11.2)
 *   base key    = HKDF-SHA256(K(g, s), salt "", info "CallSeal-g1 sframe base key" || u64 KID)
 *
 * Why this shape (§11.8): a key per sender means no two senders ever share a (key, nonce) (RFC 9605 §9.1) and no
 * coordination is needed; a join ratchets (a newcomer cannot go back), a leave rotates (a leaver never gets the new
 * generation). Only WebCrypto (HKDF) and crypto.getRandomValues: no primitive is implemented here.
 */
import { asciiBytes, concatBytes, requireBytes, u64be } from './bytes';
import { readExtensions } from './display-name';
import { E2eeError } from './errors';
import { isU32 } from './group-records';
import { hkdfSha256, importHkdfKey } from './webcrypto';

// ---- Constants, §11 ------------------------------------------------------------------------------------------

/** The group protocol this code speaks (§11.3). */
export const GROUP_PROTOCOL_VERSION = 1;
/** CONFIRM extension type of the group capability (§4.5, §11.3). */
export const EXTENSION_GROUP = 0x02;
const SENDER_KEY_LENGTH = 32;
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

export function requireStep(step: unknown): asserts step is number {
  if (!Number.isInteger(step) || (step as number) < 0 || (step as number) > MAX_STEP) {
    throw new E2eeError('invalid-argument', `step must be 0..${MAX_STEP}`);
  }
}

export function requireEpoch(epoch: SenderKeyEpoch): void {
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

/** (generation, step) order: negative when a is older. */
export function compareEpochs(
  a: { generation: number; step: number },
  b: { generation: number; step: number },
): number {
  return a.generation !== b.generation ? a.generation - b.generation : a.step - b.step;
}
