/**
 * The session of one page's call (protocol.md §6): its participant id, its pairs, the current pair and epoch, the
 * state the user is shown, the fallback, and the bounds on everything a peer can make it hold.
 *
 *   negotiating ──a pair confirms──▶ encrypted ──a pair of another identity confirms──▶ identity-changed
 *        │  ▲                           ▲   └──a pair of the same identity confirms (epoch + 1, smooth)
 *        ▼  └──a pair confirms (probes keep going while unencrypted)
 *   unencrypted / blocked (sustained evidence, §6.4; blocked also for a version-1 peer, §4.1)
 *
 * Why it is shaped like this: packets ride inside media frames that the infrastructure may drop, reorder, replay or
 * forge, and there is no side channel. So every record is taken at most once and only in order (pair.ts), pairs are
 * per participant id and never come back once retired (so neither keys nor replay windows ever return, §8.5), the
 * state moves to `encrypted` only on key confirmation, a new identity is loud for the rest of the call (§6.2), the
 * fallback needs sustained evidence, and all of it is bounded and rate-limited (§6.5). The session never throws at
 * the worker for anything the network sent; time comes from `now()` and the worker calls `tick()`, so it is pure and
 * unit-testable. It holds no key bytes: confirmed pairs' secrets (non-extractable CryptoKeys) go to the key ring.
 */
import { equalBytes, toHex } from '../shared/bytes';
import { isE2eeError } from './errors';
import { VERSION_2 } from './constants';
import { decodeHandshakePacket, encodeHandshakePacket, isVersion1Hello } from './handshake-packet';
import { GROUP_PROTOCOL_VERSION } from './group-keys';
import { GroupMode } from './group-mode';
import { groupRecordsOfPacket } from './group-records';
import { groupStatus, withGroupRecords } from './group-status';
import { Pair, packRecords } from './pair';
import {
  ANNOUNCE_INTERVAL_MS,
  GROUP_LINGER_MS,
  GroupSizeLimit,
  HEARD_RESOLUTION_MS,
  SETTLE_MS,
  groupDetected,
  isPresent,
} from './group-presence';
import { FallbackEvidence, RetiredPids, TokenBucket, type FallbackVerdict } from './session-limits';
import {
  PAIR_BURST,
  PAIR_LIMIT,
  PAIR_REFILL_MS,
  PENDING_PAIR_TIMEOUT_MS,
  PREVIOUS_PAIR_GRACE_MS,
  PROBE_INTERVAL_MS,
  RETIRED_PID_LIMIT,
  SIGN_RETRY_MS,
  checkPolicy,
  checkSessionOptions,
  randomPid,
  type SessionOptions,
  type SessionPolicy,
  type SessionStats,
  type SessionStatus,
  type SignedConfirm,
} from './session-options';

export * from './session-options';

interface Entry {
  key: string;
  pair: Pair;
  promoted: boolean;
  retireAt?: number;
  signPending: boolean;
  signFailedAt?: number;
  /** When the pair was confirmed, and when its participant was last heard (§6.6). */
  confirmedAt?: number;
  lastHeardAt?: number;
  /**
   * Superseded by a pair of the same identity (a reload, rejoin, or E2EE off and on, §6.2): its participant is back
   * under a new pid, so packets from this one are a recording or a stale tab and never make it heard (§6.6, §8.5).
   */
  cameBack?: boolean;
}

/** A pair that still gets its records: not superseded, or superseded while its participant is still heard (§6.6). */
function isLive(entry: Entry, now: number): boolean {
  return entry.retireAt === undefined || isPresent(entry, now);
}

export class CallSession {
  private myPid: Uint8Array = randomPid();
  private readonly suite: number;
  private policy: SessionPolicy;
  private readonly pairs = new Map<string, Entry>();
  private readonly retired = new RetiredPids(RETIRED_PID_LIMIT);
  private readonly budget = new TokenBucket(PAIR_BURST, PAIR_REFILL_MS);
  private evidence = new FallbackEvidence();
  private current: Entry | null = null;
  private epoch = 0;
  private everConfirmed = false;
  /** A pair was confirmed during the current call (§6.4: only then is the call beyond the fallback). */
  private confirmedThisCall = false;
  /** The call's reference identity (§6.2): the first confirmed since the call began. */
  private reference: Uint8Array | null = null;
  private fellBack: FallbackVerdict = null;
  private failure: 'keys-failed' | 'internal-error' | null = null;
  private signFailed = false;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private nextPairId = 1;
  private rotation = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Signatures asked of the background and not answered yet. */
  private readonly signing = new Set<Promise<unknown>>();
  private disposed = false;
  private readonly rejections = new Map<string, number>();
  private lastRejection: string | undefined;
  /** A group call is on (§6.6), and the last time two other participants were present at once. */
  private group = false;
  private groupSeenAt = Number.NEGATIVE_INFINITY;
  /** Until then a new identity is not shown yet: it may be a third person joining (§6.6). */
  private settlingUntil = Number.NEGATIVE_INFINITY;
  private lastAnnounceAt = Number.NEGATIVE_INFINITY;
  private lastDecryptedPairId = 0;
  private lastDecryptedAt = Number.NEGATIVE_INFINITY;
  /** Sender keys (§11): made with the first pair that announced group support. */
  private groupMode: GroupMode | null = null;
  private groupStartQueued = false;
  /** In a group, a present confirmed participant does not speak group (§11.3): the group is not encrypted (§6.6). */
  private groupLegacy = false;
  /** More than 8 people (§11.9): CallSeal stops encrypting, and says so. */
  private readonly sizeLimit = new GroupSizeLimit();

  constructor(private readonly opts: SessionOptions) {
    this.suite = checkSessionOptions(opts);
    this.policy = checkPolicy(opts);
  }

  /** Our participant id (§4): fresh per session, renewed when a session that never confirmed runs out of pairs. */
  get pid(): Uint8Array {
    return this.myPid.slice();
  }

  updatePolicy(policy: SessionPolicy): void {
    this.policy = checkPolicy(policy);
    this.emit();
  }

  /** Handles the handshake slot of a peer frame. Never rejects; packets are processed one at a time, in order. */
  receivePacket(bytes: Uint8Array): Promise<void> {
    const snapshot = bytes instanceof Uint8Array ? bytes.slice() : null;
    return this.enqueue(() => this.process(snapshot));
  }

  /**
   * What outgoing media does now, without building a status (this runs per frame): 'encrypt' under the current pair
   * (`encrypted` and `identity-changed`), 'plain' in `unencrypted`, 'hold' otherwise (handshake-only or dropped).
   */
  sendMode(): 'encrypt' | 'plain' | 'hold' {
    if (this.sizeLimit.tooLarge) return this.policy.allowPlaintextFallback ? 'plain' : 'hold';
    if (this.group || this.groupMode?.active === true) {
      // A group with a participant that does not speak group (§6.6, §11.3) is `unencrypted` where policy allows
      // plaintext, else `blocked`; otherwise it is encrypted: under the sender key once switched (§11.5), before that
      // under the current pair's keys.
      if (this.groupLegacy) return this.policy.allowPlaintextFallback ? 'plain' : 'hold';
      return this.current !== null || this.groupMode?.sending != null ? 'encrypt' : 'hold';
    }
    if (this.current !== null) {
      // A new identity settling (§6.6) is `negotiating`: nothing is sent under a pair the user is not shown yet.
      return this.settlingUntil === Number.NEGATIVE_INFINITY || this.opts.now() >= this.settlingUntil ? 'encrypt' : 'hold';
    }
    if (this.failure === null && this.fellBack === 'no-key-exchange' && this.policy.allowPlaintextFallback) return 'plain';
    return 'hold';
  }

  /** The packet to attach to the next outgoing frame, or null when there is nothing to say (§6.1). */
  outgoingPacket(): Uint8Array | null {
    if (this.disposed) return null;
    const now = this.opts.now();
    const group = this.groupMode;
    const groupBusy = group !== null && group.busy;
    if (this.current !== null && !groupBusy && this.quiet(now)) return this.announce(now); // the common case, per frame
    // A superseded pair whose participant is still heard may be a group call's member (§6.6): it still gets its records.
    const pairs = [...this.pairs.values()].filter((entry) => isLive(entry, now)).map((entry) => entry.pair);
    const records = packRecords(pairs, this.rotation++, now);
    const groupRecords = groupBusy ? group.records(now) : [];
    // A side with no confirmed pair announces itself in every frame (§6.1).
    if (records.length === 0 && groupRecords.length === 0 && this.current !== null) return this.announce(now);
    return withGroupRecords(encodeHandshakePacket({ from: this.myPid, records }), groupRecords);
  }

  /** In `unencrypted`, at most once a second: the packet for a probe frame (§6.4); null otherwise. */
  takeProbe(): Uint8Array | null {
    if (this.status().state !== 'unencrypted') return null;
    const now = this.opts.now();
    // While a pair is being agreed (a group call's newcomer, §6.6), its records ride in probes five times as often.
    const negotiating = [...this.pairs.values()].some((entry) => !entry.promoted && entry.retireAt === undefined);
    if (now - this.lastProbeAt < (negotiating ? PROBE_INTERVAL_MS / 5 : PROBE_INTERVAL_MS)) return null;
    this.lastProbeAt = now;
    return this.outgoingPacket();
  }

  /** A peer frame without CallSeal's trailer (§6.4 evidence). */
  notePlainFrame(): void {
    const now = this.opts.now();
    this.evidence.notePlain(now);
    this.evaluate(now);
  }

  /** A peer frame with CallSeal's trailer, valid or not (§6.4: it ends any plain run). */
  noteCallSealFrame(): void {
    this.evidence.noteTrailer(this.opts.now());
  }

  /**
   * A media frame decrypted under a pair: the peer holds our CONFIRM, which stops repeating (§6.1). It does not make
   * the participant *heard* (§6.6): media under an earlier pair is exactly what a relay that takes over the call
   * forwards while it answers with its own packets, and counting it would show that takeover as a group call
   * instead of `identity-changed` (§6.3). Every participant announces itself in packets at least once a second.
   */
  noteMediaDecrypted(pairId: number): void {
    const now = this.opts.now();
    // Per frame: a pair's flag never goes back, so it needs no finer clock than HEARD_RESOLUTION_MS.
    if (pairId === this.lastDecryptedPairId && now - this.lastDecryptedAt < HEARD_RESOLUTION_MS) return;
    this.lastDecryptedPairId = pairId;
    this.lastDecryptedAt = now;
    for (const entry of this.pairs.values()) if (entry.pair.id === pairId) entry.pair.noteMediaDecrypted();
  }

  /**
   * No frame for a while: the call ended. Its warning ends with it (§6.2: a resumed call starts from the current
   * pair), and so does a fallback (§6.4: the next call's peer gets no plaintext on this one's evidence).
   */
  noteCallEnded(): void {
    const identity = this.current?.pair.peerIdentity ?? null;
    const changed = this.reference !== identity || this.fellBack !== null;
    this.reference = identity;
    this.fellBack = null;
    this.confirmedThisCall = false;
    this.evidence = new FallbackEvidence();
    const wasGroup = this.group;
    this.group = false;
    if (changed || wasGroup) this.emit();
  }

  /** Timeouts, retirements, signature retries and the fallback, against now(). */
  tick(): void {
    if (this.disposed) return;
    const now = this.opts.now();
    let dropped = false;
    for (const entry of [...this.pairs.values()]) {
      const expired = !entry.promoted && now - entry.pair.createdAt >= PENDING_PAIR_TIMEOUT_MS;
      if (entry.retireAt !== undefined && now >= entry.retireAt && this.stillTalking(entry, now)) {
        delete entry.retireAt; // superseded, yet heard since: another participant (§6.6), not a reload
      } else if (expired || (entry.retireAt !== undefined && now >= entry.retireAt)) {
        this.drop(entry);
        dropped = true;
      } else if (entry.signFailedAt !== undefined && !entry.signPending && now - entry.signFailedAt >= SIGN_RETRY_MS) {
        this.startSigning(entry);
      }
    }
    // §6.5: a session that never confirmed a pair and has none left takes a fresh pid, so a peer that retired ours
    // (its pair with us failed too) meets us as a new participant instead of never again.
    if (dropped && !this.everConfirmed && this.pairs.size === 0) {
      this.myPid = randomPid();
      this.retired.clear();
    }
    this.updateGroup(now);
    this.updateMembers(now);
    this.evaluate(now);
  }

  /** The group's sender keys, for the worker's frames (worker/group-frame-keys.ts); null before any group peer. */
  groupKeys(): GroupMode | null {
    return this.groupMode;
  }

  status(): SessionStatus {
    const epoch = this.epoch;
    const current = this.current;
    const group = this.groupMode;
    if (this.sizeLimit.tooLarge) {
      return { state: this.policy.allowPlaintextFallback ? 'unencrypted' : 'blocked', epoch, detail: 'group-too-large' };
    }
    if (this.group || group?.active === true) {
      if (this.groupLegacy) {
        return { state: this.policy.allowPlaintextFallback ? 'unencrypted' : 'blocked', epoch, detail: 'group-call' };
      }
      const now = this.opts.now();
      const present = [...this.pairs.values()].filter((e) => e.promoted && isPresent(e, now)).map((e) => e.pair);
      return groupStatus(group, present, now, epoch, this.suite);
    }
    if (this.opts.now() < this.settlingUntil) return { state: 'negotiating', epoch };
    if (current !== null) {
      const identity = current.pair.peerIdentity as Uint8Array;
      const changed = this.reference !== null && !equalBytes(identity, this.reference);
      const status: SessionStatus = {
        state: changed ? 'identity-changed' : 'encrypted',
        epoch,
        securityCode: (current.pair.secrets as NonNullable<Pair['secrets']>).securityCode,
        peerIdentityPublicKey: identity.slice(),
        suite: this.suite,
      };
      const name = current.pair.peerDisplayName;
      if (name !== null) status.peerName = name;
      return status;
    }
    if (this.failure !== null) return { state: 'error', epoch, detail: this.failure };
    if (this.fellBack === 'peer-protocol-1' || this.fellBack === 'peer-protocol-2') {
      return { state: 'blocked', epoch, detail: this.fellBack };
    }
    if (this.fellBack === 'no-key-exchange') {
      return { state: this.policy.allowPlaintextFallback ? 'unencrypted' : 'blocked', epoch, detail: 'no-key-exchange' };
    }
    return this.signFailed ? { state: 'negotiating', epoch, detail: 'sign-failed' } : { state: 'negotiating', epoch };
  }

  /** Counts for tests and diagnostics (no key material). */
  stats(): SessionStats {
    const rejections = Object.fromEntries(this.rejections);
    const out: SessionStats = { pid: toHex(this.myPid), pairs: this.pairs.size, retired: this.retired.size, rejections };
    if (this.lastRejection !== undefined) out.lastRejection = this.lastRejection;
    return out;
  }

  /** Resolves once every packet and signature in flight has been handled (for tests, and orderly shutdowns). */
  async settled(): Promise<void> {
    for (;;) {
      await this.queue;
      if (this.signing.size === 0) return;
      await Promise.allSettled([...this.signing]);
    }
  }

  /** Stops everything: later packets, signatures and ticks are ignored. */
  dispose(): void {
    this.disposed = true;
    this.pairs.clear();
    this.current = null;
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  /** A participant was heard: a group call shows the moment two are present at once (§6.6). */
  private heard(entry: Entry, now: number): void {
    entry.lastHeardAt = now;
    if (!entry.promoted || !groupDetected([...this.pairs.values()], now)) return;
    this.groupSeenAt = now;
    this.enterGroup(now);
  }

  /** A group is detected (§6.6): encrypted with sender keys if every present participant speaks group (§11.3). */
  private enterGroup(now: number): void {
    const present = [...this.pairs.values()].filter((e) => e.promoted && isPresent(e, now));
    const legacy = present.some((e) => !e.pair.speaksGroup(GROUP_PROTOCOL_VERSION));
    const changed = !this.group || legacy !== this.groupLegacy;
    this.group = true;
    this.groupLegacy = legacy;
    const mode = this.groupMode;
    if (!legacy && mode !== null && !mode.active && !this.groupStartQueued && present.every((e) => mode.has(e.pair.peerPid))) {
      this.groupStartQueued = true;
      const pids = present.map((e) => e.pair.peerPid);
      void this.enqueue(async () => {
        await mode.start(pids, this.opts.now());
        this.emit();
      });
    }
    if (changed) this.emit();
  }

  /**
   * In group mode (§11.5): a member not heard for 3 s leaves (every sender rotates), a participant heard again joins
   * again; the group's switch and its receivers' grace run on the same clock.
   */
  private updateMembers(now: number): void {
    const mode = this.groupMode;
    if (mode === null) return;
    if (mode.active) {
      for (const entry of this.pairs.values()) {
        const pid = entry.pair.peerPid;
        if (!entry.promoted || !mode.has(pid)) continue;
        const present = isPresent(entry, now);
        if (present === mode.isMember(pid)) continue;
        void this.enqueue(async () => {
          if (present) await mode.readmit(pid, this.opts.now());
          else await mode.removeMember(pid, this.opts.now());
          this.emit();
        });
      }
    }
    mode.tick(now);
  }

  /** A superseded pair whose participant has been heard since the current pair was confirmed: still in the call. */
  private stillTalking(entry: Entry, now: number): boolean {
    const current = this.current;
    if (!entry.promoted || current === null || entry === current || !isPresent(entry, now)) return false;
    return (entry.lastHeardAt as number) > (current.confirmedAt ?? Number.POSITIVE_INFINITY);
  }

  /**
   * §6.6: notes a group call, and when it is over, sends to the participant who is still there — the current pair
   * if present, else the most recently heard confirmed one (a new epoch); the pairs of those who left retire.
   */
  private updateGroup(now: number): void {
    const confirmed = [...this.pairs.values()].filter((e) => e.promoted);
    if (this.sizeLimit.update(confirmed.filter((e) => isPresent(e, now)).length, now)) this.emit();
    if (groupDetected(confirmed, now)) {
      this.groupSeenAt = now;
      this.enterGroup(now);
      return;
    }
    if (this.groupMode?.active === true) {
      // Group mode lasts until the call ends (§11.1): a group of two still rotates at a leave. Who is there now?
      const legacy = confirmed.some((e) => isPresent(e, now) && !e.pair.speaksGroup(GROUP_PROTOCOL_VERSION));
      if (legacy !== this.groupLegacy) {
        this.groupLegacy = legacy;
        this.emit();
      }
      return;
    }
    if (!this.group || now - this.groupSeenAt < GROUP_LINGER_MS) return;
    this.group = false;
    // The group just ended.
    const present = confirmed.filter((e) => isPresent(e, now)).sort((a, b) => (b.lastHeardAt ?? 0) - (a.lastHeardAt ?? 0));
    const stay = this.current !== null && isPresent(this.current, now) ? this.current : present[0];
    for (const entry of confirmed) if (entry !== stay && !isPresent(entry, now)) entry.retireAt ??= now + PREVIOUS_PAIR_GRACE_MS;
    if (stay !== undefined && stay !== this.current) {
      delete stay.retireAt;
      const secrets = stay.pair.secrets as NonNullable<Pair['secrets']>;
      try {
        this.opts.onPairConfirmed({ id: stay.pair.id, kidTag: secrets.kidTag, sendSecret: secrets.sendSecret, receiveSecret: secrets.receiveSecret });
        if (this.current !== null) this.current.retireAt ??= now + PREVIOUS_PAIR_GRACE_MS;
        this.current = stay;
        this.epoch++;
      } catch {
        this.failure = 'keys-failed';
      }
    }
    this.emit();
  }

  /**
   * With a current pair and nothing else to say, a side still announces itself at least once a second, so that every
   * participant of a group call hears every other (§6.1, §6.6); null in between.
   */
  private announce(now: number): Uint8Array | null {
    if (now - this.lastAnnounceAt < ANNOUNCE_INTERVAL_MS) return null;
    this.lastAnnounceAt = now;
    return encodeHandshakePacket({ from: this.myPid, records: [] });
  }

  /** No live pair has a record left to send, now or later (each has all it needs from the peer). */
  private quiet(now: number): boolean {
    for (const entry of this.pairs.values()) if (isLive(entry, now) && !entry.pair.settled) return false;
    return true;
  }

  private enqueue(task: () => Promise<void> | void): Promise<void> {
    this.queue = this.queue
      .then(async () => {
        if (!this.disposed) await task();
      })
      .catch((error: unknown) => this.fail(error));
    return this.queue;
  }

  private async process(bytes: Uint8Array | null): Promise<void> {
    const now = this.opts.now();
    if (bytes === null) return this.reject('invalid-argument');
    if (isVersion1Hello(bytes) || bytes[0] === VERSION_2) {
      const version = bytes[0] === VERSION_2 ? 2 : 1;
      this.evidence.noteOlderVersion(now, version);
      this.reject(`version-${version}`);
      return this.evaluate(now);
    }
    let packet;
    try {
      packet = decodeHandshakePacket(bytes);
    } catch (error) {
      if (isE2eeError(error)) return this.reject(error.code);
      throw error;
    }
    if (equalBytes(packet.from, this.myPid)) return this.reject('reflected');
    this.evidence.noteVersion2(now);
    const key = toHex(packet.from);
    let entry = this.pairs.get(key) ?? null;
    if (entry === null) {
      if (this.retired.has(key)) return this.reject('retired-pid'); // pairs never come back (§6.2)
      entry = await this.createPair(packet.from, key, now);
      if (entry === null) return;
    }
    if (!entry.cameBack) this.heard(entry, now);
    for (const record of packet.records) {
      if (!equalBytes(record.to, this.myPid)) continue; // addressed to someone else's session (§4)
      if (this.pairs.get(key) !== entry) return;
      const outcome = await entry.pair.handle(record);
      if (outcome !== 'accepted' && outcome !== 'duplicate') this.reject(outcome);
      if (outcome === 'accepted' && record.kind === 'confirm' && entry.pair.peerNameDropped) this.reject('bad-name');
    }
    if (this.pairs.get(key) !== entry) return;
    this.progress(entry);
    if (packet.skipped > 0 && this.groupMode !== null) await this.processGroupRecords(bytes);
  }

  /** The group records of a packet (§11.4), for the group's keys; the reasons of those ignored are counted. */
  private async processGroupRecords(bytes: Uint8Array): Promise<void> {
    const mode = this.groupMode as GroupMode;
    let parsed;
    try {
      parsed = groupRecordsOfPacket(bytes);
    } catch (error) {
      if (isE2eeError(error)) return this.reject(error.code);
      throw error;
    }
    if (parsed.records.length === 0) return;
    for (const reason of await mode.handle(parsed.from, parsed.records)) this.reject(reason);
    this.emit();
  }

  /** A new pair for `pid`, within the bounds of §6.5; null (counted) when the budget or the table says no. */
  private async createPair(pid: Uint8Array, key: string, now: number): Promise<Entry | null> {
    if (this.pairs.size >= PAIR_LIMIT && this.evictable() === undefined) {
      this.reject('too-many-pairs');
      return null;
    }
    if (!this.budget.take(now)) {
      this.reject('rate-limited');
      return null;
    }
    const myPid = this.myPid;
    const context = { suite: this.suite, myPid, identityPublicKey: this.opts.identityPublicKey };
    const pair = await Pair.create(this.nextPairId++, context, pid, now);
    if (this.disposed || myPid !== this.myPid || this.pairs.has(key)) return null;
    while (this.pairs.size >= PAIR_LIMIT) {
      const victim = this.evictable();
      if (victim === undefined) return null;
      this.drop(victim);
    }
    const entry: Entry = { key, pair, promoted: false, signPending: false };
    this.pairs.set(key, entry);
    return entry;
  }

  /** The oldest pair that is not confirmed (a confirmed one is current, or retiring on its own). */
  private evictable(): Entry | undefined {
    let oldest: Entry | undefined;
    for (const entry of this.pairs.values()) {
      if (!entry.promoted && (oldest === undefined || entry.pair.createdAt < oldest.pair.createdAt)) oldest = entry;
    }
    return oldest;
  }

  private drop(entry: Entry): void {
    if (this.pairs.get(entry.key) !== entry) return;
    this.pairs.delete(entry.key);
    this.retired.add(entry.key);
    if (entry.promoted) this.opts.onPairRetired(entry.pair.id);
    const mode = this.groupMode;
    const pid = entry.pair.peerPid;
    if (mode?.has(pid) === true) void this.enqueue(() => mode.removePeer(pid, this.opts.now()));
  }

  /** After a pair moved: ask for our signature once keys exist, and promote it once confirmed. */
  private progress(entry: Entry): void {
    const pair = entry.pair;
    if (pair.needsSignature && !entry.signPending && entry.signFailedAt === undefined) this.startSigning(entry);
    if (pair.confirmed && !entry.promoted) this.promote(entry);
  }

  private startSigning(entry: Entry): void {
    entry.signPending = true;
    delete entry.signFailedAt;
    let signature: Promise<Uint8Array | SignedConfirm>;
    try {
      signature = Promise.resolve(this.opts.sign(entry.pair.signingInput()));
    } catch (error) {
      signature = Promise.reject(error instanceof Error ? error : new Error('sign threw'));
    }
    const failed = (): void => {
      entry.signPending = false;
      entry.signFailedAt = this.opts.now();
      this.signFailed = true;
      this.emit();
    };
    const handled = signature.then(
      (value) =>
        this.enqueue(async () => {
          if (this.pairs.get(entry.key) !== entry) return;
          try {
            if (value instanceof Uint8Array) await entry.pair.setSignature(value);
            else if (typeof value === 'object' && value !== null) await entry.pair.setSignature(value.signature, value.extensions);
            else return failed();
          } catch (error) {
            if (isE2eeError(error, 'sign-failed') || isE2eeError(error, 'invalid-argument')) return failed();
            throw error;
          }
          entry.signPending = false;
          this.signFailed = false;
          this.progress(entry);
          this.emit();
        }),
      () => this.enqueue(failed),
    );
    this.signing.add(handled);
    void handled.finally(() => this.signing.delete(handled));
  }

  private promote(entry: Entry): void {
    entry.promoted = true;
    const pair = entry.pair;
    const secrets = pair.secrets as NonNullable<Pair['secrets']>;
    try {
      this.opts.onPairConfirmed({
        id: pair.id,
        kidTag: secrets.kidTag,
        sendSecret: secrets.sendSecret,
        receiveSecret: secrets.receiveSecret,
      });
    } catch {
      this.failure = 'keys-failed';
      this.drop(entry);
      return this.emit();
    }
    const now = this.opts.now();
    const previous = this.current;
    if (previous !== null) {
      previous.retireAt = now + PREVIOUS_PAIR_GRACE_MS;
      // Another identity while the current participant was talking a moment ago: a third person joining (§6.6), or
      // someone taking over (§6.3). Which one shows within a second — the current participant is heard again, or not.
      const otherIdentity = !equalBytes(previous.pair.peerIdentity as Uint8Array, pair.peerIdentity as Uint8Array);
      if (!otherIdentity) previous.cameBack = true;
      if (otherIdentity && previous.lastHeardAt !== undefined && now - previous.lastHeardAt < SETTLE_MS) {
        this.settlingUntil = now + SETTLE_MS;
      }
    }
    entry.confirmedAt = now;
    entry.lastHeardAt = now;
    this.current = entry;
    this.epoch++;
    this.everConfirmed = true;
    this.confirmedThisCall = true;
    this.fellBack = null;
    this.failure = null;
    this.signFailed = false;
    this.reference ??= pair.peerIdentity;
    this.emit();
    if (pair.speaksGroup(GROUP_PROTOCOL_VERSION)) this.addGroupPeer(entry, secrets);
  }

  /** A confirmed pair that speaks group (§11.3): its group keys; while group mode is on, a join (§11.5). */
  private addGroupPeer(entry: Entry, secrets: NonNullable<Pair['secrets']>): void {
    const hooks = {
      onEncoderKeyFrame: () => this.keyFrame('encoder'),
      onReceiverKeyFrame: () => this.keyFrame('receiver'),
    };
    const mode = (this.groupMode ??= new GroupMode(this.myPid, this.opts.identityPublicKey, hooks));
    const pair = entry.pair;
    const identity = pair.peerIdentity as Uint8Array;
    const input = { pid: pair.peerPid, pairId: pair.id, identity, sendSecret: secrets.sendSecret, receiveSecret: secrets.receiveSecret };
    void this.enqueue(async () => {
      if (this.pairs.get(entry.key) !== entry) return;
      const now = this.opts.now();
      await mode.addPeer(input, now);
      if (this.group) this.enterGroup(now);
      this.emit();
    });
  }

  private keyFrame(side: 'encoder' | 'receiver'): void {
    try {
      this.opts.onKeyFrame?.(side);
    } catch {
      // A key frame is a courtesy: failing to ask must not break negotiation.
    }
  }

  /**
   * §6.4. A call in which a pair confirmed is never downgraded; neither is a fallback undone but by a pair. A pair
   * kept from an earlier call does not protect the next one from the evidence: if that call's peer has no CallSeal
   * (no trailer at all for 4 s), the old pair stops being current — its receive keys live out their grace — and the
   * call falls back like any other. A returning peer of the old pair sends trailers, so it never triggers this.
   */
  private evaluate(now: number): void {
    if (this.confirmedThisCall || this.fellBack !== null) return;
    const verdict = this.evidence.verdict(now, this.policy.fallbackAfterMs);
    if (verdict !== null) {
      if (this.current !== null) {
        this.current.retireAt = now + PREVIOUS_PAIR_GRACE_MS;
        this.current = null;
      }
      this.fellBack = verdict;
      this.emit();
    }
  }

  private reject(reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
    this.lastRejection = reason;
  }

  /** A failure that is not the network's doing (a bug, or WebCrypto missing): state 'error', no media in clear. */
  private fail(error: unknown): void {
    this.failure = 'internal-error';
    this.lastRejection = isE2eeError(error) ? error.code : 'internal-error';
    this.emit();
  }

  private emit(): void {
    try {
      this.opts.onChange();
    } catch {
      // A listener failing must not break negotiation.
    }
  }
}
