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
 *
 * CallSession is the worker's one entry point and owns the parts, each in its file: the pair table with its bounds
 * and signatures (session-pairs.ts, §6.5), the fallback's evidence (session-limits.ts, §6.4), and the group call
 * (session-group.ts, §6.6 and §11). What stays here is the call's state: the current pair, the epoch, the states.
 */
import { equalBytes, toHex } from '../shared/bytes';
import { isE2eeError } from './errors';
import { VERSION_2 } from './constants';
import { decodeHandshakePacket, encodeHandshakePacket, isVersion1Hello } from './handshake-packet';
import type { GroupMode } from './group-mode';
import { withGroupRecords } from './group-status';
import type { Pair } from './pair';
import { CallFallback } from './session-limits';
import { SessionGroup } from './session-group';
import { PairTable, pairStatus, type Entry } from './session-pairs';
import {
  PREVIOUS_PAIR_GRACE_MS,
  PROBE_INTERVAL_MS,
  checkPolicy,
  checkSessionOptions,
  randomPid,
  type SessionOptions,
  type SessionPolicy,
  type SessionStats,
  type SessionStatus,
} from './session-options';

export * from './session-options';

export class CallSession {
  private myPid: Uint8Array = randomPid();
  private readonly suite: number;
  private policy: SessionPolicy;
  private readonly pairs: PairTable;
  /** The group call and its sender keys (§6.6, §11). */
  private readonly group: SessionGroup;
  /** The fallback's evidence and verdict (§6.4). */
  private readonly fallback = new CallFallback();
  private current: Entry | null = null;
  private epoch = 0;
  private everConfirmed = false;
  /** The call's reference identity (§6.2): the first confirmed since the call began. */
  private reference: Uint8Array | null = null;
  private failure: 'keys-failed' | 'internal-error' | null = null;
  private signFailed = false;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly rejections = new Map<string, number>();
  private lastRejection: string | undefined;

  constructor(private readonly opts: SessionOptions) {
    this.suite = checkSessionOptions(opts);
    this.policy = checkPolicy(opts);
    this.pairs = new PairTable(opts, {
      enqueue: (task) => this.enqueue(task),
      reject: (reason) => this.reject(reason),
      dropped: (entry) => this.group.removePeer(entry),
      isCurrent: (entry) => entry === this.current,
      signed: (entry) => {
        this.signFailed = false;
        this.progress(entry);
        this.emit();
      },
      signFailed: () => {
        this.signFailed = true;
        this.emit();
      },
    });
    this.group = new SessionGroup({
      pairs: this.pairs,
      identityPublicKey: () => this.opts.identityPublicKey,
      now: () => this.opts.now(),
      pid: () => this.myPid,
      current: () => this.current,
      enqueue: (task) => this.enqueue(task),
      emit: () => this.emit(),
      reject: (reason) => this.reject(reason),
      makeCurrent: (stay, now) => this.makeCurrent(stay, now),
      keyFrame: (side) => this.keyFrame(side),
    });
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
    const group = this.group.sendMode(this.current !== null, this.policy.allowPlaintextFallback);
    if (group !== null) return group;
    // A new identity settling (§6.6) is `negotiating`: nothing is sent under a pair the user is not shown yet.
    if (this.current !== null) return this.group.isSettling() ? 'hold' : 'encrypt';
    if (this.failure === null && this.fallback.verdict === 'no-key-exchange' && this.policy.allowPlaintextFallback) return 'plain';
    return 'hold';
  }

  /** The packet to attach to the next outgoing frame, or null when there is nothing to say (§6.1). */
  outgoingPacket(): Uint8Array | null {
    if (this.disposed) return null;
    const now = this.opts.now();
    const group = this.group.keys;
    const groupBusy = group !== null && group.busy;
    if (this.current !== null && !groupBusy && this.pairs.quiet(now)) return this.group.announce(now); // the common case, per frame
    const records = this.pairs.records(now);
    const groupRecords = groupBusy ? group.records(now) : [];
    // A side with no confirmed pair announces itself in every frame (§6.1).
    if (records.length === 0 && groupRecords.length === 0 && this.current !== null) return this.group.announce(now);
    return withGroupRecords(encodeHandshakePacket({ from: this.myPid, records }), groupRecords);
  }

  /** In `unencrypted`, at most once a second: the packet for a probe frame (§6.4); null otherwise. */
  takeProbe(): Uint8Array | null {
    if (this.status().state !== 'unencrypted') return null;
    const now = this.opts.now();
    // While a pair is being agreed (a group call's newcomer, §6.6), its records ride in probes five times as often.
    if (now - this.lastProbeAt < (this.pairs.agreeing() ? PROBE_INTERVAL_MS / 5 : PROBE_INTERVAL_MS)) return null;
    this.lastProbeAt = now;
    return this.outgoingPacket();
  }

  /** A peer frame without CallSeal's trailer (§6.4 evidence). */
  notePlainFrame(): void {
    const now = this.opts.now();
    this.fallback.evidence.notePlain(now);
    this.evaluate(now);
  }

  /** A peer frame with CallSeal's trailer, valid or not (§6.4: it ends any plain run). */
  noteCallSealFrame(): void {
    this.fallback.evidence.noteTrailer(this.opts.now());
  }

  /**
   * A media frame decrypted under a pair: the peer holds our CONFIRM, which stops repeating (§6.1). It does not make
   * the participant *heard* (§6.6): media under an earlier pair is exactly what a relay that takes over the call
   * forwards while it answers with its own packets, and counting it would show that takeover as a group call
   * instead of `identity-changed` (§6.3). Every participant announces itself in packets at least once a second.
   */
  noteMediaDecrypted(pairId: number): void {
    this.pairs.noteMediaDecrypted(pairId, this.opts.now());
  }

  /**
   * No frame for a while: the call ended. Its warning ends with it (§6.2: a resumed call starts from the current
   * pair), and so does a fallback (§6.4: the next call's peer gets no plaintext on this one's evidence).
   */
  noteCallEnded(): void {
    const identity = this.current?.pair.peerIdentity ?? null;
    const fellBack = this.fallback.reset();
    const changed = this.reference !== identity || fellBack;
    this.reference = identity;
    const wasGroup = this.group.end();
    if (changed || wasGroup) this.emit();
  }

  /** Timeouts, retirements, signature retries and the fallback, against now(). */
  tick(): void {
    if (this.disposed) return;
    const now = this.opts.now();
    const dropped = this.pairs.tick(now, (entry) => this.group.stillTalking(entry));
    // §6.5: a session that never confirmed a pair and has none left takes a fresh pid, so a peer that retired ours
    // (its pair with us failed too) meets us as a new participant instead of never again.
    if (dropped && !this.everConfirmed && this.pairs.size === 0) {
      this.myPid = randomPid();
      this.pairs.clearRetired();
    }
    if (this.everConfirmed && this.pairs.retryDue(toHex(this.myPid), now)) this.opts.onRestart?.(); // a failed pair, §6.5
    this.group.tick(now);
    this.evaluate(now);
  }

  /** The group's sender keys, for the worker's frames (worker/group-frame-keys.ts); null before any group peer. */
  groupKeys(): GroupMode | null {
    return this.group.keys;
  }

  status(): SessionStatus {
    const epoch = this.epoch;
    const current = this.current;
    const group = this.group.status(epoch, this.suite, this.policy.allowPlaintextFallback);
    if (group !== null) return group;
    if (this.group.isSettling()) return { state: 'negotiating', epoch };
    if (current !== null) return pairStatus(current.pair, this.reference, epoch, this.suite);
    if (this.failure !== null) return { state: 'error', epoch, detail: this.failure };
    const fellBack = this.fallback.verdict;
    if (fellBack === 'peer-protocol-1' || fellBack === 'peer-protocol-2') return { state: 'blocked', epoch, detail: fellBack };
    if (fellBack === 'no-key-exchange') {
      return { state: this.policy.allowPlaintextFallback ? 'unencrypted' : 'blocked', epoch, detail: 'no-key-exchange' };
    }
    return this.signFailed ? { state: 'negotiating', epoch, detail: 'sign-failed' } : { state: 'negotiating', epoch };
  }

  /** Counts for tests and diagnostics (no key material). */
  stats(): SessionStats {
    const rejections = Object.fromEntries(this.rejections);
    const out: SessionStats = { pid: toHex(this.myPid), pairs: this.pairs.size, retired: this.pairs.retiredCount, rejections };
    if (this.lastRejection !== undefined) out.lastRejection = this.lastRejection;
    return out;
  }

  /** Resolves once every packet and signature in flight has been handled (for tests, and orderly shutdowns). */
  async settled(): Promise<void> {
    for (;;) {
      await this.queue;
      const signing = this.pairs.pendingSignatures();
      if (signing.length === 0) return;
      await Promise.allSettled(signing);
    }
  }

  /** Stops everything: later packets, signatures and ticks are ignored. */
  dispose(): void {
    this.disposed = true;
    this.pairs.clear();
    this.current = null;
  }

  // ---- internals ---------------------------------------------------------------------------------------------

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
      this.fallback.evidence.noteOlderVersion(now, version);
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
    this.fallback.evidence.noteVersion2(now);
    const key = toHex(packet.from);
    let entry = this.pairs.get(key) ?? null;
    if (entry === null) {
      if (this.pairs.isRetired(key)) return this.pairs.refuseRetired(key, now); // never back (§6.2), but see §6.5
      const myPid = this.myPid;
      const context = { suite: this.suite, myPid, identityPublicKey: this.opts.identityPublicKey };
      entry = await this.pairs.create(context, packet.from, key, now, () => this.disposed || myPid !== this.myPid);
      if (entry === null) return;
    }
    if (!entry.cameBack) this.group.heard(entry, now);
    for (const record of packet.records) {
      if (!equalBytes(record.to, this.myPid)) continue; // addressed to someone else's session (§4)
      if (this.pairs.get(key) !== entry) return;
      const outcome = await entry.pair.handle(record);
      if (outcome === 'accepted') entry.movedAt = now; // the handshake moved: its timeout starts again (§6.5)
      if (outcome !== 'accepted' && outcome !== 'duplicate') this.reject(outcome);
      if (outcome === 'accepted' && record.kind === 'confirm' && entry.pair.peerNameDropped) this.reject('bad-name');
    }
    if (this.pairs.get(key) !== entry) return;
    this.progress(entry);
    if (packet.skipped > 0) await this.group.processRecords(bytes);
  }

  /** After a pair moved: ask for our signature once keys exist, and promote it once confirmed. */
  private progress(entry: Entry): void {
    const pair = entry.pair;
    if (pair.needsSignature && !entry.signPending && entry.signFailedAt === undefined) this.pairs.startSigning(entry);
    if (pair.confirmed && !entry.promoted) this.promote(entry);
  }

  private promote(entry: Entry): void {
    entry.promoted = true;
    const pair = entry.pair;
    const secrets = pair.secrets as NonNullable<Pair['secrets']>;
    try {
      this.installKeys(pair);
    } catch {
      this.failure = 'keys-failed';
      this.pairs.drop(entry);
      return this.emit();
    }
    const now = this.opts.now();
    const previous = this.current;
    if (previous !== null) {
      previous.retireAt = now + PREVIOUS_PAIR_GRACE_MS;
      // Another identity may be a third person joining (§6.6) or someone taking over (§6.3): it settles first.
      if (equalBytes(previous.pair.peerIdentity as Uint8Array, pair.peerIdentity as Uint8Array)) previous.cameBack = true;
      else this.group.settle(previous, now);
    }
    this.pairs.supersedeAbsent(entry, now);
    entry.confirmedAt = now;
    entry.lastHeardAt = now;
    this.current = entry;
    this.epoch++;
    this.everConfirmed = true;
    this.fallback.confirmed();
    this.failure = null;
    this.signFailed = false;
    this.reference ??= pair.peerIdentity;
    this.emit();
    this.group.addPeer(entry, secrets);
  }

  /** The group ended (§6.6) and `stay` is the participant still there: its keys are sent under, a new epoch. */
  private makeCurrent(stay: Entry, now: number): void {
    try {
      this.installKeys(stay.pair);
      if (this.current !== null) this.current.retireAt ??= now + PREVIOUS_PAIR_GRACE_MS;
      this.current = stay;
      this.epoch++;
    } catch {
      this.failure = 'keys-failed';
    }
  }

  /** A confirmed pair's secrets to the key ring (they stay non-extractable CryptoKeys); throws as onPairConfirmed does. */
  private installKeys(pair: Pair): void {
    const secrets = pair.secrets as NonNullable<Pair['secrets']>;
    this.opts.onPairConfirmed({ id: pair.id, kidTag: secrets.kidTag, sendSecret: secrets.sendSecret, receiveSecret: secrets.receiveSecret });
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
    if (this.fallback.evaluate(now, this.policy.fallbackAfterMs) === null) return;
    if (this.current !== null) {
      this.current.retireAt = now + PREVIOUS_PAIR_GRACE_MS;
      this.current = null;
    }
    this.emit();
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
