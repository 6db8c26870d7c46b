/**
 * The group side of a call's session (protocol.md §6.6, §11): noticing that more than one other participant is in
 * the call, running the group's sender keys (§11) once every participant present speaks group, the size limit
 * (§11.9), and the settling of a new identity that may be a third person joining rather than a takeover (§6.6, §6.3).
 *
 * Why apart from CallSession: a two-party call needs none of this, and the group's rules (who is present, when the
 * group is over, who joins and leaves the sender keys) read best on their own. CallSession owns one SessionGroup and
 * asks it at each step — a packet heard, a pair confirmed or dropped, a tick — and it answers through the host: the
 * session's pairs, its queue, and its status. Like the session it is pure: time comes from `now()`.
 */
import { encodeHandshakePacket } from './handshake-packet';
import { isE2eeError } from './errors';
import { GROUP_PROTOCOL_VERSION } from './group-keys';
import { GroupMode } from './group-mode';
import { groupRecordsOfPacket } from './group-records';
import { groupStatus } from './group-status';
import type { Pair } from './pair';
import {
  ANNOUNCE_INTERVAL_MS,
  GROUP_ANNOUNCE_INTERVAL_MS,
  GROUP_LINGER_MS,
  GroupSizeLimit,
  SETTLE_MS,
  groupDetected,
  isPresent,
} from './group-presence';
import type { Entry, PairTable } from './session-pairs';
import { PREVIOUS_PAIR_GRACE_MS, type SessionStatus } from './session-options';

/** What the group needs from its session. */
interface GroupHost {
  readonly pairs: PairTable;
  identityPublicKey(): Uint8Array;
  now(): number;
  /** Our participant id now. */
  pid(): Uint8Array;
  current(): Entry | null;
  /** Runs `task` in the session's queue, after every packet and signature before it. */
  enqueue(task: () => Promise<void> | void): Promise<void>;
  emit(): void;
  reject(reason: string): void;
  /** The group ended (§6.6): `stay`'s keys are sent under from now on, a new epoch. */
  makeCurrent(stay: Entry, now: number): void;
  keyFrame(side: 'encoder' | 'receiver'): void;
}

export class SessionGroup {
  /** A group call is on (§6.6), and the last time two other participants were present at once. */
  private on = false;
  private seenAt = Number.NEGATIVE_INFINITY;
  /** Until then a new identity is not shown yet: it may be a third person joining (§6.6). */
  private settlingUntil = Number.NEGATIVE_INFINITY;
  private lastAnnounceAt = Number.NEGATIVE_INFINITY;
  /** Sender keys (§11): made with the first pair that announced group support. */
  private mode: GroupMode | null = null;
  private startQueued = false;
  /**
   * In a group, no present confirmed participant speaks group (§11.3): there is nobody to encrypt for, and the group
   * takes §6.6's state. Those that do not speak group next to some that do are listed `needs-update` instead.
   */
  private legacy = false;
  /** More than 8 people (§11.9): CallSeal stops encrypting, and says so. */
  private readonly sizeLimit = new GroupSizeLimit();

  constructor(private readonly host: GroupHost) {}

  /** The group's sender keys; null before any group peer. */
  get keys(): GroupMode | null {
    return this.mode;
  }

  /** A new identity confirmed less than SETTLE_MS ago while the current participant was still heard (§6.6). */
  isSettling(): boolean {
    return this.settlingUntil !== Number.NEGATIVE_INFINITY && this.host.now() < this.settlingUntil;
  }

  /**
   * What outgoing media does in a group or a group too large (§6.6, §11.9), null outside one: a group with a
   * participant that does not speak group (§11.3) is `unencrypted` where policy allows plaintext, else `blocked`;
   * otherwise it is encrypted: under the sender key once switched (§11.5), before that under the current pair's keys.
   */
  sendMode(hasCurrent: boolean, allowPlaintext: boolean): 'encrypt' | 'plain' | 'hold' | null {
    if (this.sizeLimit.tooLarge) return allowPlaintext ? 'plain' : 'hold';
    if (!this.on && this.mode?.active !== true) return null;
    if (this.legacy) return allowPlaintext ? 'plain' : 'hold';
    return hasCurrent || this.mode?.sending != null ? 'encrypt' : 'hold';
  }

  /** The session's status in a group or a group too large (§6.6, §11.9); null outside one. */
  status(epoch: number, suite: number, allowPlaintext: boolean): SessionStatus | null {
    if (this.sizeLimit.tooLarge) {
      return { state: allowPlaintext ? 'unencrypted' : 'blocked', epoch, detail: 'group-too-large' };
    }
    if (!this.on && this.mode?.active !== true) return null;
    if (this.legacy) return { state: allowPlaintext ? 'unencrypted' : 'blocked', epoch, detail: 'group-call' };
    const now = this.host.now();
    const present = [...this.host.pairs.values()].filter((e) => e.promoted && isPresent(e, now)).map((e) => e.pair);
    return groupStatus(this.mode, present, now, epoch, suite);
  }

  /** The call ended: so did its group (§6.6). True when a group was on. */
  end(): boolean {
    const was = this.on;
    this.on = false;
    return was;
  }

  /** A participant was heard: a group call shows the moment two are present at once (§6.6). */
  heard(entry: Entry, now: number): void {
    entry.lastHeardAt = now;
    if (!entry.promoted || !groupDetected([...this.host.pairs.values()], now)) return;
    this.seenAt = now;
    this.enter(now);
  }

  /**
   * A pair of another identity than `previous`'s confirmed while `previous`'s participant was talking a moment ago:
   * a third person joining (§6.6), or someone taking over (§6.3). Which one shows within a second — the current
   * participant is heard again, or not — and until then the new identity is not shown.
   */
  settle(previous: Entry, now: number): void {
    if (previous.lastHeardAt !== undefined && now - previous.lastHeardAt < SETTLE_MS) this.settlingUntil = now + SETTLE_MS;
  }

  /**
   * A superseded pair whose participant has been heard since it was superseded (the newer pair confirmed): another
   * participant of the call, kept at the end of its grace even if silent at that moment (§6.6). In group mode a member
   * not heard for 3 s already leaves the sender keys and joins again when heard (§11.5); retiring its pid as well
   * would cut the two apart for the rest of the call, since the member, still hearing us, keeps its pair (§6.5).
   */
  stillTalking(entry: Entry): boolean {
    const current = this.host.current();
    if (!entry.promoted || current === null || entry === current || entry.retireAt === undefined) return false;
    return (entry.lastHeardAt ?? Number.NEGATIVE_INFINITY) > entry.retireAt - PREVIOUS_PAIR_GRACE_MS;
  }

  /** Each tick: the group's presence (§6.6), its members and its size (§11.5, §11.9). */
  tick(now: number): void {
    this.update(now);
    this.updateMembers(now);
  }

  /**
   * With a current pair and nothing else to say, a side still announces itself at least once a second (four times in a
   * group call, where a member not heard for 3 s leaves and every key rotates, §11.5), so that every
   * participant of a group call hears every other (§6.1, §6.6); null in between.
   */
  announce(now: number): Uint8Array | null {
    const inGroup = this.on || this.mode?.active === true;
    if (now - this.lastAnnounceAt < (inGroup ? GROUP_ANNOUNCE_INTERVAL_MS : ANNOUNCE_INTERVAL_MS)) return null;
    this.lastAnnounceAt = now;
    return encodeHandshakePacket({ from: this.host.pid(), records: [] });
  }

  /** The group records of a packet (§11.4), for the group's keys; the reasons of those ignored are counted. */
  async processRecords(bytes: Uint8Array): Promise<void> {
    const mode = this.mode;
    if (mode === null) return;
    let parsed;
    try {
      parsed = groupRecordsOfPacket(bytes);
    } catch (error) {
      if (isE2eeError(error)) return this.host.reject(error.code);
      throw error;
    }
    if (parsed.records.length === 0) return;
    for (const reason of await mode.handle(parsed.from, parsed.records)) this.host.reject(reason);
    this.host.emit();
  }

  /** A confirmed pair: if it speaks group (§11.3), its group keys; while group mode is on, a join (§11.5). */
  addPeer(entry: Entry, secrets: NonNullable<Pair['secrets']>): void {
    const host = this.host;
    if (!speaksGroup(entry)) return;
    const hooks = {
      onEncoderKeyFrame: () => host.keyFrame('encoder'),
      onReceiverKeyFrame: () => host.keyFrame('receiver'),
    };
    const mode = (this.mode ??= new GroupMode(host.pid(), host.identityPublicKey(), hooks));
    const pair = entry.pair;
    const identity = pair.peerIdentity as Uint8Array;
    const input = { pid: pair.peerPid, pairId: pair.id, identity, sendSecret: secrets.sendSecret, receiveSecret: secrets.receiveSecret };
    void host.enqueue(async () => {
      if (host.pairs.get(entry.key) !== entry) return;
      const now = host.now();
      await mode.addPeer(input, now);
      if (this.on) this.enter(now);
      host.emit();
    });
  }

  /** A pair left the session's table: its participant leaves the group's keys (§11.5). */
  removePeer(entry: Entry): void {
    const mode = this.mode;
    const pid = entry.pair.peerPid;
    if (mode?.has(pid) === true) void this.host.enqueue(() => mode.removePeer(pid, this.host.now()));
  }

  /**
   * A group is detected (§6.6): encrypted with sender keys among the present participants that speak group (§11.3),
   * once each of them is in the group's keys.
   */
  private enter(now: number): void {
    const host = this.host;
    const present = [...host.pairs.values()].filter((e) => e.promoted && isPresent(e, now));
    const speakers = present.filter(speaksGroup);
    const legacy = speakers.length === 0;
    const changed = !this.on || legacy !== this.legacy;
    this.on = true;
    this.legacy = legacy;
    const mode = this.mode;
    if (!legacy && mode !== null && !mode.active && !this.startQueued && speakers.every((e) => mode.has(e.pair.peerPid))) {
      this.startQueued = true;
      const pids = speakers.map((e) => e.pair.peerPid);
      void host.enqueue(async () => {
        await mode.start(pids, host.now());
        host.emit();
      });
    }
    if (changed) host.emit();
  }

  /**
   * In group mode (§11.5): a member not heard for 3 s leaves (every sender rotates), a participant heard again joins
   * again; the group's switch and its receivers' grace run on the same clock.
   */
  private updateMembers(now: number): void {
    const host = this.host;
    const mode = this.mode;
    if (mode === null) return;
    if (mode.active) {
      for (const entry of host.pairs.values()) {
        const pid = entry.pair.peerPid;
        if (!entry.promoted || !mode.has(pid)) continue;
        const present = isPresent(entry, now);
        if (present === mode.isMember(pid)) continue;
        void host.enqueue(async () => {
          if (present) await mode.readmit(pid, host.now());
          else await mode.removeMember(pid, host.now());
          host.emit();
        });
      }
    }
    mode.tick(now);
  }

  /**
   * §6.6: notes a group call, and when it is over, sends to the participant who is still there — the current pair
   * if present, else the most recently heard confirmed one (a new epoch); the pairs of those who left retire.
   */
  private update(now: number): void {
    const host = this.host;
    const confirmed = [...host.pairs.values()].filter((e) => e.promoted);
    if (this.sizeLimit.update(confirmed.filter((e) => isPresent(e, now)).length, now)) host.emit();
    if (groupDetected(confirmed, now)) {
      this.seenAt = now;
      this.enter(now);
      return;
    }
    if (this.mode?.active === true) {
      // Group mode lasts until the call ends (§11.1): a group of two still rotates at a leave. Who is there now?
      const present = confirmed.filter((e) => isPresent(e, now));
      const legacy = present.length > 0 && !present.some(speaksGroup);
      if (legacy !== this.legacy) {
        this.legacy = legacy;
        host.emit();
      }
      return;
    }
    if (!this.on || now - this.seenAt < GROUP_LINGER_MS) return;
    this.on = false;
    // The group just ended.
    const current = host.current();
    const present = confirmed.filter((e) => isPresent(e, now)).sort((a, b) => (b.lastHeardAt ?? 0) - (a.lastHeardAt ?? 0));
    const stay = current !== null && isPresent(current, now) ? current : present[0];
    for (const entry of confirmed) if (entry !== stay && !isPresent(entry, now)) entry.retireAt ??= now + PREVIOUS_PAIR_GRACE_MS;
    if (stay !== undefined && stay !== current) {
      delete stay.retireAt;
      host.makeCurrent(stay, now);
    }
    host.emit();
  }
}

/** The pair's both CONFIRMs announced group support (§11.3): its participant can join the group's keys. */
function speaksGroup(entry: Entry): boolean {
  return entry.pair.speaksGroup(GROUP_PROTOCOL_VERSION);
}
