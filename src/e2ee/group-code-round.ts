/**
 * One participant's side of the group code (protocol.md §11.7): its rounds, the CODE-COMMITs and CODE-REVEALs it still
 * has to deliver, what it accepts (§11.6: once per member and roster, in any order), and the code when the round of
 * the current roster is complete. The derivations and the records' sealing are group-code.ts's.
 */
import { concatBytes, equalBytes, requireBytes, toHex } from './bytes';
import { ED25519_PUBLIC_KEY_LENGTH, PID_LENGTH } from './constants';
import { E2eeError } from './errors';
import {
  GROUP_NONCE_LENGTH,
  MAX_GROUP_SIZE,
  groupCode,
  groupCommitment,
  openCodeRecord,
  rosterDigest,
  sealCodeRecord,
  type GroupCodeMember,
} from './group-code';
import { RECORD_REPEAT_MS } from './group-keys';
import { RECORD_CODE_COMMIT, RECORD_CODE_REVEAL, isU32, u32be, type AckRecord, type CodeRecord } from './group-records';
import { makeAck, verifyAck, type GroupPairKeys } from './group-wrap';

/** Rosters a receiver remembers per member (§11.6). */
const ROSTERS_PER_MEMBER = 16;

interface CodeMemberInput {
  pid: Uint8Array;
  /** The identity key of our confirmed pair with it. */
  identity: Uint8Array;
  keys: GroupPairKeys;
}

export type CodeOutcome =
  | 'accepted'
  | 'duplicate'
  | 'second-commit'
  | 'second-reveal'
  | 'reveal-before-commit'
  | 'bad-opening'
  | 'bad-group-record'
  | 'unknown-member';

interface OwnRound {
  round: number;
  roster: Uint8Array;
  pids: Uint8Array[];
  nonce: Uint8Array;
  commitment: Uint8Array;
}

interface PeerRoster {
  commitRecord: Uint8Array;
  commitment: Uint8Array;
  revealRecord: Uint8Array | null;
  nonce: Uint8Array | null;
}

interface PeerState {
  pid: Uint8Array;
  identity: Uint8Array;
  keys: GroupPairKeys;
  /** roster hex → what it sent for that roster, insertion order (oldest first). */
  rosters: Map<string, PeerRoster>;
  /** Our current round's records it acknowledged. */
  commitAcked: boolean;
  revealAcked: boolean;
  /** The roster (hex) of the last CODE-COMMIT taken from it, accepted or duplicate (§11.7: what it sees now). */
  lastRoster: string | null;
  /** Our current round's records to it, sealed once (a repeat is byte for byte the same, §11.4). */
  sealed: { commit: CodeRecord | null; reveal: CodeRecord | null };
  /** When our records last went to it (each at most every RECORD_REPEAT_MS, §11.4). */
  lastSentAt: number;
}

/**
 * One participant's group-code rounds (§11.7). `setMembers` with the current members (not ourselves) starts or resumes
 * the round of that roster; `records` gives the CODE-COMMITs and CODE-REVEALs still unacknowledged (reveals only once
 * every member's commitment for the roster is held) — or, for a caller that cannot wait per frame, `prepare` seals them
 * and `due` hands them out; `handleRecord` takes a member's records and returns the ACK to send back; `code` is the
 * group code once every member's nonce for the current roster is in, and `complete` says when it may be shown.
 */
export class GroupCodeRound {
  private readonly own = new Map<string, OwnRound>();
  private readonly peers = new Map<string, PeerState>();
  private current: OwnRound | null = null;
  private nextRound = 1;

  constructor(
    readonly myPid: Uint8Array,
    readonly myIdentity: Uint8Array,
  ) {
    requireBytes(myPid, 'my pid', PID_LENGTH);
    requireBytes(myIdentity, 'my identity', ED25519_PUBLIC_KEY_LENGTH);
    this.myPid = myPid.slice();
    this.myIdentity = myIdentity.slice();
  }

  /** A retired pair's peer (§6.2: its pid never comes back): forgotten, unless in the current roster. */
  forget(pid: Uint8Array): void {
    if (this.current?.pids.some((p) => equalBytes(p, pid)) !== true) this.peers.delete(toHex(pid));
  }

  /** The current roster digest, or null before the first setMembers. */
  get roster(): Uint8Array | null {
    return this.current?.roster.slice() ?? null;
  }

  /** Our round number for the current roster. */
  get round(): number | null {
    return this.current?.round ?? null;
  }

  /** The members we have, for the current roster, every commitment of (we may reveal). */
  get canReveal(): boolean {
    const cur = this.current;
    if (cur === null) return false;
    const key = toHex(cur.roster);
    return this.memberStates().every((p) => p.rosters.has(key));
  }

  private memberStates(): PeerState[] {
    const cur = this.current;
    if (cur === null) return [];
    return cur.pids.filter((pid) => !equalBytes(pid, this.myPid)).map((pid) => this.peers.get(toHex(pid)) as PeerState);
  }

  /** The members whose nonce for the current roster we still lack. */
  waitingFor(): Uint8Array[] {
    const cur = this.current;
    if (cur === null) return [];
    const key = toHex(cur.roster);
    return this.memberStates()
      .filter((p) => p.rosters.get(key)?.nonce == null)
      .map((p) => p.pid.slice());
  }

  /**
   * The members now (a confirmed, present, group-capable pair each). A roster seen before resumes its round, nonce
   * and records (pairs never come back, so the same roster means the same identities); a new one gets a new round
   * and a fresh nonce.
   */
  async setMembers(members: readonly CodeMemberInput[]): Promise<void> {
    if (members.length === 0 || members.length >= MAX_GROUP_SIZE) {
      this.current = null; // no roster: nobody else, or more than 8 people (§11.7, §11.9)
      return;
    }
    for (const m of members) {
      requireBytes(m.pid, 'member pid', PID_LENGTH);
      requireBytes(m.identity, 'member identity', ED25519_PUBLIC_KEY_LENGTH);
      const key = toHex(m.pid);
      const known = this.peers.get(key);
      if (known !== undefined && !equalBytes(known.identity, m.identity)) {
        throw new E2eeError('invalid-argument', 'a pid cannot change identity (pairs never come back)');
      }
      if (known === undefined) {
        this.peers.set(key, { pid: m.pid.slice(), identity: m.identity.slice(), keys: m.keys, rosters: new Map(), commitAcked: false, revealAcked: false, lastRoster: null, sealed: { commit: null, reveal: null }, lastSentAt: Number.NEGATIVE_INFINITY });
      }
    }
    const pids = [this.myPid, ...members.map((m) => m.pid)];
    const roster = await rosterDigest(pids);
    const rosterKey = toHex(roster);
    let round = this.own.get(rosterKey);
    if (round === undefined) {
      if (!isU32(this.nextRound)) throw new E2eeError('invalid-argument', 'rounds exhausted');
      const nonce = new Uint8Array(GROUP_NONCE_LENGTH);
      crypto.getRandomValues(nonce);
      round = { round: this.nextRound++, roster, pids: pids.map((p) => p.slice()), nonce, commitment: await groupCommitment(this.myPid, roster, nonce) };
      this.own.set(rosterKey, round);
    }
    if (this.current !== round) {
      this.current = round;
      for (const p of this.peers.values()) {
        p.commitAcked = false;
        p.revealAcked = false;
        p.sealed = { commit: null, reveal: null };
        p.lastSentAt = Number.NEGATIVE_INFINITY;
      }
    }
  }

  /**
   * Our CODE-COMMITs (and, once we may reveal, CODE-REVEALs) that members have not acknowledged yet, to each member at
   * most every RECORD_REPEAT_MS. A repeat is byte for byte the same record (same key, nonce and plaintext).
   */
  async records(now: number): Promise<CodeRecord[]> {
    await this.prepare();
    return this.due(now);
  }

  /** Seals what the current round has to send now (commits; reveals once we may), so that `due` needs no await. */
  async prepare(): Promise<void> {
    const cur = this.current;
    if (cur === null) return;
    const reveal = this.canReveal;
    for (const p of this.memberStates()) {
      const { sealed } = p;
      sealed.commit ??= await sealCodeRecord('code-commit', p.keys, this.myPid, p.pid, cur.round, cur.roster, cur.commitment);
      if (reveal) sealed.reveal ??= await sealCodeRecord('code-reveal', p.keys, this.myPid, p.pid, cur.round, cur.roster, cur.nonce);
      if (this.current !== cur) return; // the roster moved meanwhile: its setMembers cleared what was sealed
    }
  }

  /** The records `prepare` sealed that are due now (unacknowledged, each member at most every RECORD_REPEAT_MS). */
  due(now: number): CodeRecord[] {
    const out: CodeRecord[] = [];
    for (const p of this.memberStates()) {
      const commit = p.commitAcked ? null : p.sealed.commit;
      const reveal = p.revealAcked ? null : p.sealed.reveal;
      if (now - p.lastSentAt < RECORD_REPEAT_MS || (commit === null && reveal === null)) continue;
      p.lastSentAt = now;
      if (commit !== null) out.push(commit);
      if (reveal !== null) out.push(reveal);
    }
    return out;
  }

  /** Something of the current round is not acknowledged yet (sealed or still to seal). */
  get pending(): boolean {
    const reveal = this.canReveal;
    return this.memberStates().some((p) => !p.commitAcked || (reveal && !p.revealAcked));
  }

  /**
   * The round may be shown (§11.7): every member's nonce held, every member acknowledged our reveal, and every member's
   * last commitment is for this roster (it sees the same membership).
   */
  get complete(): boolean {
    const cur = this.current;
    if (cur === null || this.waitingFor().length > 0) return false;
    const key = toHex(cur.roster);
    return this.memberStates().every((p) => p.revealAcked && p.lastRoster === key);
  }

  /**
   * The members whose part of the current round is missing (§11.7, the popup's "waiting for …"): its nonce (1), its ACK
   * of our reveal (2), or its last commitment is for another roster (3). Empty exactly when the round is complete.
   */
  missingParts(): Uint8Array[] {
    const cur = this.current;
    if (cur === null) return [];
    const key = toHex(cur.roster);
    return this.memberStates()
      .filter((p) => p.rosters.get(key)?.nonce == null || !p.revealAcked || p.lastRoster !== key)
      .map((p) => p.pid.slice());
  }

  /** The pids of the current roster (ourselves included), or null without one. */
  get rosterPids(): Uint8Array[] | null {
    return this.current?.pids.map((pid) => pid.slice()) ?? null;
  }

  /**
   * A member's CODE-COMMIT or CODE-REVEAL (§11.6): taken once per member and roster, in any order. Returns the outcome
   * and, for an accepted record or a duplicate, the ACK to send back.
   */
  async handleRecord(from: Uint8Array, record: CodeRecord): Promise<{ outcome: CodeOutcome; ack: AckRecord | null }> {
    const p = this.peers.get(toHex(from));
    if (p === undefined) return { outcome: 'unknown-member', ack: null };
    const rosterKey = toHex(record.roster);
    const held = p.rosters.get(rosterKey);
    const ack = async (): Promise<AckRecord> =>
      makeAck(p.keys, this.myPid, p.pid, record.kind === 'code-commit' ? RECORD_CODE_COMMIT : RECORD_CODE_REVEAL, record.round);
    if (record.kind === 'code-commit') {
      if (held !== undefined) {
        const same = equalBytes(held.commitRecord, this.recordBytes(record));
        if (same) p.lastRoster = rosterKey;
        return same ? { outcome: 'duplicate', ack: await ack() } : { outcome: 'second-commit', ack: null };
      }
      let commitment: Uint8Array;
      try {
        commitment = await openCodeRecord(p.keys, p.pid, this.myPid, record);
      } catch {
        return { outcome: 'bad-group-record', ack: null };
      }
      p.rosters.set(rosterKey, { commitRecord: this.recordBytes(record), commitment, revealRecord: null, nonce: null });
      p.lastRoster = rosterKey;
      while (p.rosters.size > ROSTERS_PER_MEMBER) p.rosters.delete(p.rosters.keys().next().value as string);
      return { outcome: 'accepted', ack: await ack() };
    }
    if (held === undefined) return { outcome: 'reveal-before-commit', ack: null };
    if (held.revealRecord !== null) {
      const same = equalBytes(held.revealRecord, this.recordBytes(record));
      return same ? { outcome: 'duplicate', ack: await ack() } : { outcome: 'second-reveal', ack: null };
    }
    if (record.round !== this.roundOf(held)) return { outcome: 'bad-opening', ack: null };
    let nonce: Uint8Array;
    try {
      nonce = await openCodeRecord(p.keys, p.pid, this.myPid, record);
    } catch {
      return { outcome: 'bad-group-record', ack: null };
    }
    if (!equalBytes(await groupCommitment(p.pid, record.roster, nonce), held.commitment)) {
      return { outcome: 'bad-opening', ack: null };
    }
    held.revealRecord = this.recordBytes(record);
    held.nonce = nonce;
    return { outcome: 'accepted', ack: await ack() };
  }

  /** The round a member used for a roster is the one in its commit record (bytes 0..4 of our stored form). */
  private roundOf(held: PeerRoster): number {
    return new DataView(held.commitRecord.buffer, held.commitRecord.byteOffset).getUint32(0, false);
  }

  /** round || sealed: what identifies a member's record for one roster (the roster is the map key). */
  private recordBytes(record: CodeRecord): Uint8Array {
    return concatBytes(u32be(record.round), record.sealed);
  }

  /** A member's ACK of our current round's CODE-COMMIT or CODE-REVEAL. */
  async handleAck(from: Uint8Array, record: AckRecord): Promise<'accepted' | 'stale' | 'bad-mac' | 'unknown-member'> {
    const p = this.peers.get(toHex(from));
    if (p === undefined) return 'unknown-member';
    if (!(await verifyAck(p.keys, p.pid, this.myPid, record))) return 'bad-mac';
    const cur = this.current;
    if (cur === null || record.number !== cur.round || record.step !== 0) return 'stale';
    if (record.acked === RECORD_CODE_COMMIT) p.commitAcked = true;
    else if (record.acked === RECORD_CODE_REVEAL) p.revealAcked = true;
    else return 'stale';
    return 'accepted';
  }

  /** The group code for the current roster, or null while a member's nonce is missing. */
  async code(): Promise<string | null> {
    const cur = this.current;
    if (cur === null || this.waitingFor().length > 0) return null;
    const key = toHex(cur.roster);
    const members: GroupCodeMember[] = [{ pid: this.myPid, identity: this.myIdentity, nonce: cur.nonce }];
    for (const p of this.memberStates()) {
      members.push({ pid: p.pid, identity: p.identity, nonce: p.rosters.get(key)?.nonce as Uint8Array });
    }
    return groupCode(members);
  }
}
