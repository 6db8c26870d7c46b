/**
 * The group code (protocol.md §11.7): one 20-digit code over every member's identity and the membership, made with a
 * commit-then-reveal round so that a man in the middle cannot search for matching codes.
 *
 *   roster       = SHA-256("CallSeal-g1 roster" || u8 n || pid_1 || … || pid_n)                  pids sorted bytewise
 *   r            = 32 random bytes per (participant, roster), kept for the worker session
 *   commitment   = SHA-256("CallSeal-g1 group nonce" || pid of the committer || roster || r)
 *   group digest = SHA-256("CallSeal-g1 group code" || u8 n || per member sorted by pid: pid || identity || r)
 *   group code   = §5.2's digits of the group digest
 *   CODE-COMMIT / CODE-REVEAL = AES-128-GCM(wrap key of from, type || round u32 || 00*7,
 *                               "CallSeal-g1 code commit|reveal" || from || to || round u32 || roster, commitment | r)
 *
 * Why commit then reveal: identity keys are chosen by whoever sends a CONFIRM, after the pair's transcript is fixed,
 * so a code over identities alone would let a man in the middle search for two identity keys whose views collide in
 * 20 digits (a birthday search of 2^33). A participant here reveals its nonce only once it holds every member's
 * commitment for the roster, so whoever reveals last fixes a value nobody knew, and differing views give equal codes
 * with probability 10^-20 (§11.7). This module is the derivations and the records' sealing; group-code-round.ts is one
 * participant's side of the rounds.
 */
import { asciiBytes, compareBytes, concatBytes, equalBytes, requireBytes, toHex } from './bytes';
import { ED25519_PUBLIC_KEY_LENGTH, PID_LENGTH, SHA256_LENGTH } from './constants';
import { E2eeError } from './errors';
import { groupRecordNonce, type GroupPairKeys } from './group-wrap';
import {
  RECORD_CODE_COMMIT,
  RECORD_CODE_REVEAL,
  isU32,
  u32be,
  type CodeRecord,
} from './group-records';
import { codeDigits } from './security-code';
import { aesGcm, sha256 } from './webcrypto';

const ROSTER_LABEL = asciiBytes('CallSeal-g1 roster');
const COMMITMENT_LABEL = asciiBytes('CallSeal-g1 group nonce');
const CODE_LABEL = asciiBytes('CallSeal-g1 group code');
const COMMIT_AAD_LABEL = asciiBytes('CallSeal-g1 code commit');
const REVEAL_AAD_LABEL = asciiBytes('CallSeal-g1 code reveal');
export const GROUP_NONCE_LENGTH = 32;
/** At most this many people in a group (§11.9). */
export const MAX_GROUP_SIZE = 8;

function sortedUnique(pids: readonly Uint8Array[]): Uint8Array[] {
  for (const pid of pids) requireBytes(pid, 'pid', PID_LENGTH);
  const sorted = [...pids].sort(compareBytes);
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1] as Uint8Array, sorted[i] as Uint8Array) === 0) {
      throw new E2eeError('invalid-argument', 'a pid appears twice');
    }
  }
  return sorted;
}

function requireCount(n: number): void {
  if (n < 2 || n > MAX_GROUP_SIZE) throw new E2eeError('invalid-argument', `a group has 2..${MAX_GROUP_SIZE} members`);
}

/** The roster digest of a membership (ourselves included), independent of the order the pids are given in. */
export async function rosterDigest(pids: readonly Uint8Array[]): Promise<Uint8Array> {
  const sorted = sortedUnique(pids);
  requireCount(sorted.length);
  return sha256(ROSTER_LABEL, Uint8Array.of(sorted.length), ...sorted);
}

/** commitment = SHA-256("CallSeal-g1 group nonce" || pid || roster || r). */
export async function groupCommitment(pid: Uint8Array, roster: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  requireBytes(pid, 'pid', PID_LENGTH);
  requireBytes(roster, 'roster', SHA256_LENGTH);
  requireBytes(nonce, 'group nonce', GROUP_NONCE_LENGTH);
  return sha256(COMMITMENT_LABEL, pid, roster, nonce);
}

export interface GroupCodeMember {
  pid: Uint8Array;
  identity: Uint8Array;
  nonce: Uint8Array;
}

/** The group code over every member (ourselves included): sorted by pid, so independent of join and arrival order. */
export async function groupCode(members: readonly GroupCodeMember[]): Promise<string> {
  const sorted = sortedUnique(members.map((m) => m.pid));
  requireCount(sorted.length);
  const byPid = new Map(members.map((m) => [toHex(m.pid), m]));
  const parts: Uint8Array[] = [CODE_LABEL, Uint8Array.of(sorted.length)];
  for (const pid of sorted) {
    const m = byPid.get(toHex(pid)) as GroupCodeMember;
    requireBytes(m.identity, 'identity', ED25519_PUBLIC_KEY_LENGTH);
    requireBytes(m.nonce, 'group nonce', GROUP_NONCE_LENGTH);
    parts.push(pid, m.identity, m.nonce);
  }
  return codeDigits(await sha256(...parts));
}

type CodeKind = CodeRecord['kind'];

function codeAad(kind: CodeKind, from: Uint8Array, to: Uint8Array, round: number, roster: Uint8Array): Uint8Array {
  return concatBytes(kind === 'code-commit' ? COMMIT_AAD_LABEL : REVEAL_AAD_LABEL, from, to, u32be(round), roster);
}

function codeType(kind: CodeKind): number {
  return kind === 'code-commit' ? RECORD_CODE_COMMIT : RECORD_CODE_REVEAL;
}

/** Seals a commitment or a nonce (32 bytes) for one member (§11.4). */
export async function sealCodeRecord(
  kind: CodeKind,
  keys: GroupPairKeys,
  myPid: Uint8Array,
  peerPid: Uint8Array,
  round: number,
  roster: Uint8Array,
  value: Uint8Array,
): Promise<CodeRecord> {
  requireBytes(myPid, 'my pid', PID_LENGTH);
  requireBytes(peerPid, 'peer pid', PID_LENGTH);
  requireBytes(roster, 'roster', SHA256_LENGTH);
  requireBytes(value, 'value', 32);
  if (!isU32(round)) throw new E2eeError('invalid-argument', 'round must be a u32');
  const nonce = groupRecordNonce(codeType(kind), round);
  const sealed = await aesGcm('encrypt', keys.myWrapKey, nonce, codeAad(kind, myPid, peerPid, round, roster), value, 'crypto-unavailable');
  return { kind, to: peerPid.slice(), round, roster: roster.slice(), sealed };
}

/** Opens a member's CODE-COMMIT or CODE-REVEAL to us; 'bad-group-record' unless it opens under this pair's keys. */
export async function openCodeRecord(
  keys: GroupPairKeys,
  peerPid: Uint8Array,
  myPid: Uint8Array,
  record: CodeRecord,
): Promise<Uint8Array> {
  if (!equalBytes(record.to, myPid)) throw new E2eeError('bad-group-record', 'CODE record addressed to another pid');
  if (!isU32(record.round)) throw new E2eeError('bad-group-record', 'bad round');
  requireBytes(record.roster, 'roster', SHA256_LENGTH, 'bad-group-record');
  const nonce = groupRecordNonce(codeType(record.kind), record.round);
  const aad = codeAad(record.kind, peerPid, myPid, record.round, record.roster);
  const value = await aesGcm('decrypt', keys.peerWrapKey, nonce, aad, record.sealed, 'bad-group-record');
  if (value.length !== 32) throw new E2eeError('bad-group-record', 'CODE value of the wrong length');
  return value;
}
