/**
 * A session's group mode (protocol.md §11.1, §11.4–§11.6): the glue between the session's confirmed pairs and the
 * pure sender-key core (group-keys.ts, group-wrap.ts, group-sender.ts, sender-key-ring.ts).
 *
 *   a pair with group support confirms ──addPeer──▶ its wrap and ack keys, a key ring for its sender keys
 *   group mode begins (start)            ──▶ generation 1, SENDER-KEY to every member present, switch when all ACKed
 *   a member joins (addPeer while on)    ──▶ ratchet one step, switch at once, SENDER-KEY to the newcomer only
 *   a member leaves (removeMember)       ──▶ a fresh generation for those who remain, switch on their ACKs or at 2 s
 *   SENDER-KEY from a peer               ──▶ its ring takes it (§11.6 order), an ACK goes back in the next packet
 *   ACK from a member                    ──▶ its pending SENDER-KEY stops repeating; a newcomer's: a key frame
 *   the members change (start, join, leave) ──▶ a group-code round for the new roster (§11.7, group-code.ts):
 *                                              CODE-COMMIT, then CODE-REVEAL once every commitment is in, until ACKed
 *
 * Why a class of its own: the session (session.ts) decides *when* (presence, §6.6; policy; the call's end), this
 * decides *what* (keys, records, switches), and the worker (worker/group-frame-keys.ts) encrypts frames under what
 * it exposes. Every peer record is taken at most once and in order by the core; what this adds is the bookkeeping of
 * who is a member and what ACKs are due. Time is passed in; it holds no timers. It never throws for what the network
 * sent: `handle` returns the reasons to count. The group code is held ready (`groupCode`) only for a complete round
 * (§11.7), and dropped the moment the members change, so the status never shows one not everyone agrees on.
 */
import { equalBytes, toHex } from './bytes';
import { GroupCodeRound } from './group-code-round';
import type { SenderKeyEpoch } from './group-keys';
import { GroupSender } from './group-sender';
import { deriveGroupPairKeys, makeAck, type GroupPairKeys } from './group-wrap';
import { SenderKeyRing } from './sender-key-ring';
import { RECORD_SENDER_KEY, type AckRecord, type GroupRecord } from './group-records';

/** Receivers drop a member's previous generation this long after its new one first decrypted (§11.5). */
const PREVIOUS_GENERATION_GRACE_MS = 10_000;
/** "You hear them": their media decrypted this recently (§11.9). */
const HEARD_MEDIA_MS = 2000;

interface GroupPeerInput {
  pid: Uint8Array;
  /** The session's pair with this peer (its media is reported under it). */
  pairId: number;
  /** The identity key of that confirmed pair (the group code covers it, §11.7). */
  identity: Uint8Array;
  sendSecret: CryptoKey;
  receiveSecret: CryptoKey;
}

interface Peer {
  pid: Uint8Array;
  pairId: number;
  identity: Uint8Array;
  keys: GroupPairKeys;
  ring: SenderKeyRing;
  /** ACKs due in the next packet (one per record that arrived). */
  acks: AckRecord[];
  /** In the sender's member set: it gets our sender key. */
  member: boolean;
  /** Its SENDER-KEY for a join is pending: its ACK asks our encoders for a key frame (§11.5). */
  joinPending: boolean;
  lastDecryptedAt: number;
  /** When the ring's previous generation is dropped (§11.5). */
  dropPreviousAt?: number;
}

/** One participant as the group sees it, for the status (§11.9). */
interface GroupPeerView {
  pid: Uint8Array;
  pairId: number;
  member: boolean;
  /** We hold its sender key. */
  holdsKey: boolean;
  /** It acknowledged the key we send under. */
  hearsUs: boolean;
  /** Its media decrypted within the last 2 s. */
  mediaRecent: boolean;
}

/** A key a frame's KID may be under: a member's epoch. */
export interface GroupCandidate {
  peer: string;
  pairId: number;
  epoch: SenderKeyEpoch;
}

interface GroupHooks {
  /** Our sending key changed, or a newcomer now holds it: ask the local video encoders for a key frame. */
  onEncoderKeyFrame(): void;
  /** A member's new key arrived: ask its video for a key frame (frames before it were dropped). */
  onReceiverKeyFrame(): void;
}

/** A complete group-code round (§11.7): its code, and the pids (hex, ourselves included) of its roster. */
interface ShownGroupCode {
  code: string;
  pids: string[];
}

export class GroupMode {
  private readonly peers = new Map<string, Peer>();
  private readonly sender: GroupSender;
  private readonly codeRound: GroupCodeRound;
  /** The current roster's code once its round is complete; null otherwise (§11.7). */
  private shownCode: ShownGroupCode | null = null;
  private started = false;

  constructor(
    readonly myPid: Uint8Array,
    myIdentity: Uint8Array,
    private readonly hooks: GroupHooks,
  ) {
    this.sender = new GroupSender(myPid);
    this.codeRound = new GroupCodeRound(myPid, myIdentity);
  }

  /** The group code, only while the round of the current members is complete (§11.7). */
  groupCode(): ShownGroupCode | null {
    return this.shownCode === null ? null : { code: this.shownCode.code, pids: [...this.shownCode.pids] };
  }

  /**
   * The current group-code round (§11.7): its roster's pids (hex, ourselves included) and the members whose part is
   * missing (the popup's "waiting for …"); null without a roster.
   */
  codeProgress(): { pids: string[]; missing: string[] } | null {
    const pids = this.codeRound.rosterPids;
    if (pids === null) return null;
    return { pids: pids.map(toHex), missing: this.codeRound.missingParts().map(toHex) };
  }

  /** Group mode has begun: our media goes under our sender key once `sending` is set. */
  get active(): boolean {
    return this.started;
  }

  /** The epoch our media is encrypted under now, or null (before the first switch). */
  get sending(): SenderKeyEpoch | null {
    return this.started ? this.sender.sending : null;
  }

  has(pid: Uint8Array): boolean {
    return this.peers.has(toHex(pid));
  }

  isMember(pid: Uint8Array): boolean {
    return this.peers.get(toHex(pid))?.member ?? false;
  }

  /** The tags of the members' current generations, which our own tag avoids (§11.2). */
  private otherTags(): number[] {
    return [...this.peers.values()].flatMap((p) => p.ring.tags);
  }

  /** A confirmed pair with group support: its keys. While group mode is on, it joins at once (§11.5). */
  async addPeer(input: GroupPeerInput, now: number): Promise<void> {
    const key = toHex(input.pid);
    if (this.peers.has(key)) return;
    const keys = await deriveGroupPairKeys(input.sendSecret, input.receiveSecret);
    if (this.peers.has(key)) return;
    const peer: Peer = {
      pid: input.pid.slice(),
      pairId: input.pairId,
      identity: input.identity.slice(),
      keys,
      ring: new SenderKeyRing(this.myPid, input.pid, keys),
      acks: [],
      member: false,
      joinPending: false,
      lastDecryptedAt: Number.NEGATIVE_INFINITY,
    };
    this.peers.set(key, peer);
    if (this.started) await this.join(peer, now);
  }

  /** Group mode begins (§11.5) with these peers (present, confirmed, with group support) as members. */
  async start(pids: readonly Uint8Array[], now: number): Promise<void> {
    if (this.started) return;
    const members = pids.map((pid) => this.peers.get(toHex(pid))).filter((p): p is Peer => p !== undefined);
    this.started = true;
    for (const m of members) m.member = true;
    await this.sender.start(
      members.map((m) => ({ pid: m.pid, keys: m.keys })),
      now,
      this.otherTags(),
    );
    await this.newRoster();
  }

  /** A peer present again after it left (or added before group mode began): a join. */
  async readmit(pid: Uint8Array, now: number): Promise<void> {
    const peer = this.peers.get(toHex(pid));
    if (peer === undefined || peer.member || !this.started) return;
    await this.join(peer, now);
  }

  private async join(peer: Peer, now: number): Promise<void> {
    peer.member = true;
    peer.joinPending = true;
    const before = this.sender.sending;
    await this.sender.addMember({ pid: peer.pid, keys: peer.keys }, now, this.otherTags());
    if (this.sender.sending !== before) this.hooks.onEncoderKeyFrame();
    await this.newRoster();
  }

  /** A member left (§11.5: not heard for 3 s): every remaining member gets a fresh generation. */
  async removeMember(pid: Uint8Array, now: number): Promise<void> {
    const peer = this.peers.get(toHex(pid));
    if (peer === undefined || !peer.member) return;
    peer.member = false;
    peer.joinPending = false;
    await this.sender.removeMember(pid, now, this.otherTags());
    await this.newRoster();
  }

  /** A retired pair: its peer and keys are gone for good (a member among them is a leave). */
  async removePeer(pid: Uint8Array, now: number): Promise<void> {
    await this.removeMember(pid, now);
    this.peers.delete(toHex(pid));
    this.codeRound.forget(pid);
  }

  /**
   * The members changed (§11.7): the code shown so far is dropped at once — it is not the new roster's — and the round
   * of the new roster starts (or resumes, for a roster seen before).
   */
  private async newRoster(): Promise<void> {
    this.shownCode = null;
    const members = [...this.peers.values()].filter((p) => p.member);
    await this.codeRound.setMembers(members.map((p) => ({ pid: p.pid, identity: p.identity, keys: p.keys })));
    await this.refreshCode();
  }

  /** Seals the round's due records, and holds its code when the round is complete (§11.7), else none. */
  private async refreshCode(): Promise<void> {
    const round = this.codeRound;
    const roster = round.roster;
    await round.prepare();
    const code = round.complete ? await round.code() : null;
    const pids = round.rosterPids;
    const same = roster !== null && equalBytes(roster, round.roster ?? new Uint8Array(0));
    this.shownCode = code !== null && pids !== null && same && round.complete ? { code, pids: pids.map(toHex) } : null;
  }

  /**
   * The group records of a peer's packet (those addressed to us). Returns the reasons of the records that were
   * ignored, to be counted by the session (§11.6); never throws for what the peer sent.
   */
  async handle(from: Uint8Array, records: readonly GroupRecord[]): Promise<string[]> {
    const rejected: string[] = [];
    const peer = this.peers.get(toHex(from));
    let codeMoved = false;
    for (const record of records) {
      if (!equalBytes(record.to, this.myPid)) continue; // to another member (§11.4)
      if (peer === undefined) {
        rejected.push('group-record-no-pair');
        continue;
      }
      if (record.kind === 'sender-key') {
        const newest = peer.ring.generations[0];
        const outcome = await peer.ring.accept(record);
        if (outcome === 'accepted' || outcome === 'duplicate') {
          peer.acks.push(await makeAck(peer.keys, this.myPid, peer.pid, RECORD_SENDER_KEY, record.generation, record.step));
        }
        if (outcome === 'accepted') {
          if (newest !== record.generation) this.hooks.onReceiverKeyFrame();
        } else if (outcome !== 'duplicate') rejected.push(outcome === 'bad-group-record' ? 'bad-group-record' : `sender-key-${outcome}`);
      } else if (record.kind === 'ack' && record.acked !== RECORD_SENDER_KEY) {
        // An ACK of our CODE-COMMIT or CODE-REVEAL (§11.7): one step nearer a complete round.
        const outcome = await this.codeRound.handleAck(peer.pid, record);
        if (outcome === 'accepted') codeMoved = true;
        else if (outcome === 'bad-mac') rejected.push('bad-group-record');
      } else if (record.kind === 'ack') {
        const outcome = await this.sender.handleAck(peer.pid, record);
        if (outcome === 'accepted' && peer.joinPending) {
          peer.joinPending = false;
          this.hooks.onEncoderKeyFrame(); // the newcomer's first frame decodes at once (§11.5)
        } else if (outcome === 'bad-mac') rejected.push('bad-group-record');
      } else {
        // CODE-COMMIT or CODE-REVEAL (§11.6, §11.7): taken once per member and roster, ACKed when accepted or a
        // duplicate; from a participant not yet in one of our rosters, ignored and not ACKed (it repeats).
        const { outcome, ack } = await this.codeRound.handleRecord(peer.pid, record);
        if (ack !== null) peer.acks.push(ack);
        if (outcome === 'accepted' || outcome === 'duplicate') codeMoved = true;
        else if (outcome !== 'unknown-member') rejected.push(outcome);
      }
    }
    if (codeMoved) await this.refreshCode();
    return rejected;
  }

  /** The group records due in the next packet: pending SENDER-KEYs (each at most every 100 ms) and due ACKs. */
  records(now: number): GroupRecord[] {
    if (!this.started && [...this.peers.values()].every((p) => p.acks.length === 0)) return [];
    const out: GroupRecord[] = this.started ? [...this.sender.records(now), ...this.codeRound.due(now)] : [];
    for (const peer of this.peers.values()) out.push(...peer.acks.splice(0));
    return out;
  }

  /** Something is due now or will be: SENDER-KEYs or group-code records waiting for ACKs, or ACKs to send. */
  get busy(): boolean {
    if (this.started && this.codeRound.pending) return true;
    for (const peer of this.peers.values()) {
      if (peer.acks.length > 0) return true;
      if (this.started && peer.member && this.sender.pendingFor(peer.pid) !== null) return true;
    }
    return this.started && this.sender.sending !== this.sender.latest;
  }

  /** The switch of §11.5 when its time has come, and the receivers' drop of previous generations. */
  tick(now: number): void {
    if (this.started && this.sender.maybeSwitch(now)) this.hooks.onEncoderKeyFrame();
    for (const peer of this.peers.values()) {
      if (peer.dropPreviousAt !== undefined && now >= peer.dropPreviousAt) {
        peer.ring.dropPrevious();
        delete peer.dropPreviousAt;
      }
    }
  }

  /** The keys a frame with this group KID may be under, over every peer (tags may collide, §11.6). */
  async candidates(kid: bigint): Promise<GroupCandidate[]> {
    const out: GroupCandidate[] = [];
    for (const [key, peer] of this.peers) {
      for (const epoch of await peer.ring.candidates(kid)) out.push({ peer: key, pairId: peer.pairId, epoch });
    }
    return out;
  }

  /** Whether the peer's generation is still held (a cached opener for it stays valid). */
  holds(peer: string, generation: number, tag: number): boolean {
    const ring = this.peers.get(peer)?.ring;
    if (ring === undefined) return false;
    const index = ring.generations.indexOf(generation);
    return index >= 0 && ring.tags[index] === tag;
  }

  /** A frame authenticated under a member's epoch: keep its step, and start the previous generation's grace. */
  noteDecrypted(peerKey: string, epoch: SenderKeyEpoch, now: number): void {
    const peer = this.peers.get(peerKey);
    if (peer === undefined) return;
    peer.lastDecryptedAt = now;
    peer.ring.confirm(epoch);
    const generations = peer.ring.generations;
    if (generations.length > 1 && generations[0] === epoch.generation && peer.dropPreviousAt === undefined) {
      peer.dropPreviousAt = now + PREVIOUS_GENERATION_GRACE_MS;
    }
  }

  /** Every peer with group support, as the status shows it (§11.9). */
  view(now: number): GroupPeerView[] {
    return [...this.peers.values()].map((peer) => ({
      pid: peer.pid.slice(),
      pairId: peer.pairId,
      member: peer.member,
      holdsKey: peer.ring.generations.length > 0,
      hearsUs: this.started && peer.member && this.sender.hears(peer.pid),
      mediaRecent: now - peer.lastDecryptedAt < HEARD_MEDIA_MS,
    }));
  }
}
