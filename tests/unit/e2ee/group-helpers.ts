/**
 * Test doubles for the group-call suites (protocol.md §11): participants with real pids and identity keys, and the
 * group keys of every pair derived through the real key schedule (two fresh X25519 ephemerals, commitments, th, media
 * secrets), so wrapping, ACKs and codes are exercised on exactly what a confirmed pair would hold.
 */
import { deriveGroupPairKeys, groupFrameBaseKey, type GroupPairKeys, type SenderKeyEpoch } from '../../../src/e2ee/group-keys';
import { commitmentOf, derivePairSecrets, generateEphemeral } from '../../../src/e2ee/key-schedule';
import { SFrameReceiver, SFrameSender } from '../sframe/support/reference/context';
import { groupKid } from '../../../src/e2ee/group-keys';

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
