/**
 * Test doubles for the group-call suites (protocol.md §11): participants with real pids and identity keys, and the
 * group keys of every pair derived through the real key schedule (two fresh X25519 ephemerals, commitments, th, media
 * secrets), so wrapping, ACKs and codes are exercised on exactly what a confirmed pair would hold.
 */
import { MAX_STEP, MAX_STEPS_AHEAD, groupFrameBaseKey, groupKid, parseGroupKid, ratchetSenderKey, type SenderKeyEpoch } from '../../../src/e2ee/group-keys';
import { RECORD_SENDER_KEY } from '../../../src/e2ee/group-records';
import { GroupSender } from '../../../src/e2ee/group-sender';
import { deriveGroupPairKeys, makeAck, type GroupPairKeys } from '../../../src/e2ee/group-wrap';
import { SenderKeyRing } from '../../../src/e2ee/sender-key-ring';
import { equalBytes } from '../../../src/e2ee/bytes';
import { decodeHeader } from '../../../src/sframe/header';
import { commitmentOf, derivePairSecrets, generateEphemeral } from '../../../src/e2ee/key-schedule';
import { SFrameReceiver, SFrameSender } from '../sframe/support/reference/context';

const SUITE = 4;

export function randomPid(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(8));
}

export function randomIdentity(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

/** Both sides' group keys of the pair (x, y), from a real pair derivation. */
export async function pairKeys(pidX: Uint8Array, pidY: Uint8Array): Promise<{ x: GroupPairKeys; y: GroupPairKeys }> {
  const [ex, ey] = await Promise.all([generateEphemeral(), generateEphemeral()]);
  const [cx, cy] = await Promise.all([
    commitmentOf(SUITE, pidX, pidY, ex.publicKey),
    commitmentOf(SUITE, pidY, pidX, ey.publicKey),
  ]);
  const sideX = { pid: pidX, commitment: cx, ephemeralPublicKey: ex.publicKey };
  const sideY = { pid: pidY, commitment: cy, ephemeralPublicKey: ey.publicKey };
  const [sx, sy] = await Promise.all([
    derivePairSecrets({ suite: SUITE, myPrivateKey: ex.privateKey, mine: sideX, peer: sideY }),
    derivePairSecrets({ suite: SUITE, myPrivateKey: ey.privateKey, mine: sideY, peer: sideX }),
  ]);
  const [x, y] = await Promise.all([
    deriveGroupPairKeys(sx.sendSecret, sx.receiveSecret),
    deriveGroupPairKeys(sy.sendSecret, sy.receiveSecret),
  ]);
  return { x, y };
}

export interface Participant {
  name: string;
  pid: Uint8Array;
  identity: Uint8Array;
  /** This participant's group keys with each other participant, by name. */
  keys: Map<string, GroupPairKeys>;
}

/** Participants with a confirmed pair between every two of them. */
export async function makeGroup(names: readonly string[]): Promise<Map<string, Participant>> {
  const out = new Map<string, Participant>();
  for (const name of names) out.set(name, { name, pid: randomPid(), identity: randomIdentity(), keys: new Map() });
  const list = [...out.values()];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i] as Participant;
      const b = list[j] as Participant;
      const { x, y } = await pairKeys(a.pid, b.pid);
      a.keys.set(b.name, x);
      b.keys.set(a.name, y);
    }
  }
  return out;
}

/** Adds one participant, paired with everyone already there. */
export async function join(group: Map<string, Participant>, name: string): Promise<Participant> {
  const p: Participant = { name, pid: randomPid(), identity: randomIdentity(), keys: new Map() };
  for (const other of group.values()) {
    const { x, y } = await pairKeys(p.pid, other.pid);
    p.keys.set(other.name, x);
    other.keys.set(name, y);
  }
  group.set(name, p);
  return p;
}

/** Encrypts one media frame as the sender would under `epoch` for local sender `senderIndex`. */
export async function encryptFrame(epoch: SenderKeyEpoch, senderIndex: number, media: Uint8Array): Promise<Uint8Array> {
  const sender = await SFrameSender.create({
    suite: SUITE,
    kid: groupKid(epoch.tag, epoch.step, senderIndex),
    baseKey: await groupFrameBaseKey(epoch, senderIndex),
  });
  return sender.encrypt(media);
}

/** Tries to decrypt a frame under `epoch` (as a receiver holding it would): the plaintext, or null. */
export async function tryDecrypt(epoch: SenderKeyEpoch, senderIndex: number, frame: Uint8Array): Promise<Uint8Array | null> {
  const receiver = new SFrameReceiver({ suite: SUITE });
  const kid = groupKid(epoch.tag, epoch.step, senderIndex);
  await receiver.addKey(kid, await groupFrameBaseKey(epoch, senderIndex));
  try {
    return (await receiver.decrypt(frame)).plaintext;
  } catch {
    return null;
  }
}

// ---- Senders and rings among participants (group-keys, group-wrap, group-sender, sender-key-ring tests) ----

export const MEDIA = new TextEncoder().encode('a video frame of the meeting, after its clear prefix');

export function get(group: Map<string, Participant>, name: string): Participant {
  const p = group.get(name);
  if (p === undefined) throw new Error(`no ${name}`);
  return p;
}

export function keysOf(p: Participant, other: string) {
  const k = p.keys.get(other);
  if (k === undefined) throw new Error(`${p.name} has no pair with ${other}`);
  return k;
}

/** A sender's GroupSender over the given members, and a ring at each member for the sender's keys. */
export async function senderWithRings(group: Map<string, Participant>, senderName: string, memberNames: string[], now = 0) {
  const s = get(group, senderName);
  const sender = new GroupSender(s.pid);
  const members = memberNames.map((n) => ({ pid: get(group, n).pid, keys: keysOf(s, n) }));
  await sender.start(members, now);
  const rings = new Map(memberNames.map((n) => [n, ringAt(group, n, senderName)]));
  return { s, sender, rings };
}

export function ringAt(group: Map<string, Participant>, at: string, from: string): SenderKeyRing {
  const me = get(group, at);
  return new SenderKeyRing(me.pid, get(group, from).pid, keysOf(me, from));
}

/** Delivers every due SENDER-KEY to its member, and the members' ACKs back. Returns the outcomes by member. */
export async function deliver(
  group: Map<string, Participant>,
  senderName: string,
  sender: GroupSender,
  rings: Map<string, SenderKeyRing>,
  now: number,
): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>();
  const s = get(group, senderName);
  for (const record of sender.records(now)) {
    const member = [...group.values()].find((p) => equalBytes(p.pid, record.to)) as Participant;
    const ring = rings.get(member.name);
    if (ring === undefined) continue;
    const outcome = await ring.accept(record);
    outcomes.set(member.name, outcome);
    if (outcome === 'accepted' || outcome === 'duplicate') {
      const ack = await makeAck(keysOf(member, senderName), member.pid, s.pid, RECORD_SENDER_KEY, record.generation, record.step);
      await sender.handleAck(member.pid, ack);
    }
  }
  return outcomes;
}

/** What a receiver does with a frame: look the KID up in its ring, try each candidate, keep the one that works. */
export async function receive(ring: SenderKeyRing, frame: Uint8Array): Promise<Uint8Array | null> {
  const { kid } = decodeHeader(frame);
  const index = parseGroupKid(kid)?.senderIndex ?? 0;
  for (const epoch of await ring.candidates(kid)) {
    const plain = await tryDecrypt(epoch, index, frame);
    if (plain !== null) {
      ring.confirm(epoch);
      return plain;
    }
  }
  return null;
}

/** Every key a ring holds or could derive, tried against a frame under the frame's own KID: a brute-force receiver. */
export async function decryptsWithAnyHeldKey(held: readonly SenderKeyEpoch[], frame: Uint8Array): Promise<boolean> {
  const parts = parseGroupKid(decodeHeader(frame).kid);
  if (parts === null) return false;
  for (const start of held) {
    let epoch: SenderKeyEpoch = { ...start, tag: parts.tag };
    for (let i = 0; i <= MAX_STEPS_AHEAD && epoch.step < MAX_STEP; i++) {
      const asFrame = { ...epoch, step: parts.step };
      if ((await tryDecrypt(asFrame, parts.senderIndex, frame)) !== null) return true;
      if ((await tryDecrypt(epoch, parts.senderIndex, frame)) !== null) return true;
      epoch = await ratchetSenderKey(epoch);
    }
  }
  return false;
}

