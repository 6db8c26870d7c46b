/**
 * One participant's own sender key and its distribution to the other members (protocol.md §11.5): which key it sends
 * under, what it still has to deliver and to whom, and when it may switch. It takes time as an argument and holds no
 * timers; nothing here touches a frame.
 */
import { equalBytes, requireBytes, toHex } from './bytes';
import { PID_LENGTH } from './constants';
import { E2eeError } from './errors';
import {
  MAX_STEP,
  RECORD_REPEAT_MS,
  SWITCH_DEADLINE_MS,
  compareEpochs,
  generateSenderKey,
  ratchetSenderKey,
  type SenderKeyEpoch,
} from './group-keys';
import { RECORD_SENDER_KEY, type AckRecord, type SenderKeyRecord } from './group-records';
import { sealSenderKey, verifyAck, type GroupPairKeys } from './group-wrap';

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

type AckOutcome = 'accepted' | 'duplicate' | 'stale' | 'bad-mac' | 'unknown-member' | 'not-a-sender-key';

interface GroupMemberInput {
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
