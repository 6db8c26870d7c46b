/**
 * The session's table of pairs (protocol.md §6.5, §6.2): one entry per peer pid, with what the session knows of it
 * beyond the pair itself — promoted, retiring, heard, signing — the bounds on how many pairs a peer can make it hold,
 * the records the pairs send in turn and the signatures asked of the background for each (§6.1), and what a
 * two-party call shows under its current pair (§6.3).
 *
 * Why apart from CallSession: these are the rules that keep the table bounded against a hostile network (at most
 * PAIR_LIMIT pairs, new ones rate-limited, retired pids never come back so neither keys nor replay windows ever
 * return, §8.5) and the signature retries; CallSession decides what the pairs mean for the call.
 */
import { equalBytes } from '../shared/bytes';
import { Pair, packRecords } from './pair';
import type { HandshakeRecord } from './handshake-packet';
import { HEARD_RESOLUTION_MS, PRESENT_MS, isPresent } from './group-presence';
import { isE2eeError } from './errors';
import { RetiredPids, TokenBucket } from './session-limits';
import {
  PAIR_BURST,
  PAIR_LIMIT,
  PAIR_REFILL_MS,
  PENDING_PAIR_TIMEOUT_MS,
  PREVIOUS_PAIR_GRACE_MS,
  RETIRED_PID_LIMIT,
  SIGN_RETRY_MS,
  type SessionOptions,
  type SessionStatus,
  type SignedConfirm,
} from './session-options';

export interface Entry {
  key: string;
  pair: Pair;
  promoted: boolean;
  retireAt?: number;
  signPending: boolean;
  signFailedAt?: number;
  /**
   * When the handshake last moved (§6.5): the pair was made, the peer's record was accepted, or our signature came
   * back. An unconfirmed pair is dropped PENDING_PAIR_TIMEOUT_MS after it, not after it was made.
   */
  movedAt: number;
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

/**
 * What a two-party call shows under its current pair: `encrypted`, or `identity-changed` when the pair's identity is
 * not the call's reference identity (§6.2, §6.3).
 */
export function pairStatus(pair: Pair, reference: Uint8Array | null, epoch: number, suite: number): SessionStatus {
  const identity = pair.peerIdentity as Uint8Array;
  const changed = reference !== null && !equalBytes(identity, reference);
  const status: SessionStatus = {
    state: changed ? 'identity-changed' : 'encrypted',
    epoch,
    securityCode: (pair.secrets as NonNullable<Pair['secrets']>).securityCode,
    peerIdentityPublicKey: identity.slice(),
    suite,
  };
  const name = pair.peerDisplayName;
  if (name !== null) status.peerName = name;
  return status;
}

/** What the table needs from its session. */
interface PairTableHooks {
  /** Runs `task` in the session's queue, after every packet and signature before it. */
  enqueue(task: () => Promise<void> | void): Promise<void>;
  reject(reason: string): void;
  /** An entry left the table (dropped or evicted); its pid is retired, its keys retired if it was confirmed. */
  dropped(entry: Entry): void;
  /** A signature was set on the entry's pair. */
  signed(entry: Entry): void;
  /** A signature was refused or unusable; the entry retries after SIGN_RETRY_MS. */
  signFailed(): void;
  /** The session's current pair (never evicted, §6.5). */
  isCurrent(entry: Entry): boolean;
}

export class PairTable {
  private readonly entries = new Map<string, Entry>();
  private readonly retired = new RetiredPids(RETIRED_PID_LIMIT);
  private readonly budget = new TokenBucket(PAIR_BURST, PAIR_REFILL_MS);
  private nextPairId = 1;
  private rotation = 0;
  private lastDecryptedPairId = 0;
  private lastDecryptedAt = Number.NEGATIVE_INFINITY;
  /** Signatures asked of the background and not answered yet. */
  private readonly signing = new Set<Promise<unknown>>();
  /**
   * Pids whose pair we let go while the peer may still hold it — an unconfirmed pair that timed out, or a confirmed
   * one retired at the end of its grace without being superseded by the same identity — when, and when each was last
   * heard (§6.5: such a pair is tried again).
   */
  private readonly failed = new Map<string, { at: number; heardAt: number }>();

  constructor(
    /** The session's options: its clock, our signature (the background's answer, §6.1), and the key ring's retire. */
    private readonly opts: Pick<SessionOptions, 'now' | 'sign' | 'onPairRetired'>,
    private readonly hooks: PairTableHooks,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get retiredCount(): number {
    return this.retired.size;
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  values(): IterableIterator<Entry> {
    return this.entries.values();
  }

  isRetired(key: string): boolean {
    return this.retired.has(key);
  }

  /** Forgets the retired pids (the session took a fresh pid, §6.5). */
  clearRetired(): void {
    this.retired.clear();
    this.failed.clear();
  }

  /**
   * A packet came from a retired pid: refused (pairs never come back, §6.2), but if its pair had timed out, its
   * participant is noted as still in the call (§6.5).
   */
  refuseRetired(key: string, now: number): void {
    const failed = this.failed.get(key);
    if (failed !== undefined) failed.heardAt = now;
    this.hooks.reject('retired-pid');
  }

  /**
   * §6.5: a participant whose pair we let go is still heard (within PRESENT_MS) under the same pid a full
   * PENDING_PAIR_TIMEOUT_MS later — time enough for its own side of the pair to time out and, if it never confirmed a
   * pair, to renew its pid — and our pid (hex, `myKey`) is the lower of the two; or it is still heard twice that long
   * after, whichever pid is the lower. Then this side should start a new session so that the two can pair again. When
   * both sides let the pair go, the lower restarts first and its old pid falls silent before the higher's turn; when
   * only we did, the peer holds the pair and never restarts, so we do.
   */
  retryDue(myKey: string, now: number): boolean {
    for (const [key, { at, heardAt }] of this.failed) {
      if (now - heardAt >= PRESENT_MS) continue;
      const waited = heardAt - at;
      if (waited >= 2 * PENDING_PAIR_TIMEOUT_MS || (myKey < key && waited >= PENDING_PAIR_TIMEOUT_MS)) return true;
    }
    return false;
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * A new pair for `pid`, within the bounds of §6.5; null (counted) when the budget or the table says no, or when
   * `stale()` says the session moved on while the pair was made.
   */
  async create(context: Parameters<typeof Pair.create>[1], pid: Uint8Array, key: string, now: number, stale: () => boolean): Promise<Entry | null> {
    if (this.entries.size >= PAIR_LIMIT && this.evictable(now) === undefined) {
      this.hooks.reject('too-many-pairs');
      return null;
    }
    if (!this.budget.take(now)) {
      this.hooks.reject('rate-limited');
      return null;
    }
    const pair = await Pair.create(this.nextPairId++, context, pid, now);
    if (stale() || this.entries.has(key)) return null;
    while (this.entries.size >= PAIR_LIMIT) {
      const victim = this.evictable(now);
      if (victim === undefined) return null;
      // Let go while its participant may hold it (someone who left, or a half-made pair the peer may have confirmed):
      // repaired should it still be heard under that pid, unless it is back under a new pid already.
      if (victim.cameBack !== true) this.noteFailed(victim.key, now);
      this.drop(victim);
    }
    const entry: Entry = { key, pair, promoted: false, signPending: false, movedAt: now };
    this.entries.set(key, entry);
    return entry;
  }

  drop(entry: Entry): void {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    this.retired.add(entry.key);
    if (entry.promoted) this.opts.onPairRetired(entry.pair.id);
    this.hooks.dropped(entry);
  }

  /**
   * Timeouts, retirements and signature retries (§6.5, §6.2): an unconfirmed pair whose handshake has not moved for
   * PENDING_PAIR_TIMEOUT_MS and a superseded pair past its grace are dropped, unless `stillTalking` says a superseded
   * one's participant is another one in the call (§6.6).
   * True when a pair was dropped.
   */
  tick(now: number, stillTalking: (entry: Entry) => boolean): boolean {
    let dropped = false;
    for (const entry of [...this.entries.values()]) {
      const expired = !entry.promoted && now - entry.movedAt >= PENDING_PAIR_TIMEOUT_MS;
      if (entry.retireAt !== undefined && now >= entry.retireAt && stillTalking(entry)) {
        delete entry.retireAt; // superseded, yet heard since: another participant (§6.6), not a reload
      } else if (expired || (entry.retireAt !== undefined && now >= entry.retireAt)) {
        // Let go while the peer may hold the pair: it timed out, or was retired without its participant coming back
        // under a new pid (§6.5). One that came back has nothing to repair.
        if (expired || entry.cameBack !== true) this.noteFailed(entry.key, now);
        this.drop(entry);
        dropped = true;
      } else if (entry.signFailedAt !== undefined && !entry.signPending && now - entry.signFailedAt >= SIGN_RETRY_MS) {
        this.startSigning(entry);
      }
    }
    return dropped;
  }

  /**
   * §6.2: `entry` just confirmed; every other confirmed pair of its identity whose participant is not heard now is back
   * under this new pid (in a group, a member who left and rejoined while another member's pair was current): it
   * retires after its grace, as the current one does. Left alone, each such rejoin kept one in the table for the rest
   * of the call, until a newcomer found it full.
   */
  supersedeAbsent(entry: Entry, now: number): void {
    const identity = entry.pair.peerIdentity as Uint8Array;
    for (const other of this.entries.values()) {
      if (other === entry || !other.promoted || other.cameBack === true || isPresent(other, now)) continue;
      if (!equalBytes(other.pair.peerIdentity as Uint8Array, identity)) continue;
      other.cameBack = true;
      other.retireAt ??= now + PREVIOUS_PAIR_GRACE_MS;
    }
  }

  /** The records to send next, the pairs taking turns (§6.1). */
  records(now: number): HandshakeRecord[] {
    // A superseded pair whose participant is still heard may be a group call's member (§6.6): it still gets its records.
    const pairs = [...this.entries.values()].filter((entry) => isLive(entry, now)).map((entry) => entry.pair);
    return packRecords(pairs, this.rotation++, now);
  }

  /** No live pair has a record left to send, now or later (each has all it needs from the peer). */
  quiet(now: number): boolean {
    for (const entry of this.entries.values()) if (isLive(entry, now) && !entry.pair.settled) return false;
    return true;
  }

  /** A pair is being agreed: not confirmed yet, and not superseded. */
  agreeing(): boolean {
    return [...this.entries.values()].some((entry) => !entry.promoted && entry.retireAt === undefined);
  }

  /** A media frame decrypted under pair `pairId` (§6.1: our CONFIRM stops repeating). */
  noteMediaDecrypted(pairId: number, now: number): void {
    // Per frame: a pair's flag never goes back, so it needs no finer clock than HEARD_RESOLUTION_MS.
    if (pairId === this.lastDecryptedPairId && now - this.lastDecryptedAt < HEARD_RESOLUTION_MS) return;
    this.lastDecryptedPairId = pairId;
    this.lastDecryptedAt = now;
    for (const entry of this.entries.values()) if (entry.pair.id === pairId) entry.pair.noteMediaDecrypted();
  }

  /** Asks for our signature over the entry's pair; the answer is handled in the session's queue. */
  startSigning(entry: Entry): void {
    const hooks = this.hooks;
    const opts = this.opts;
    entry.signPending = true;
    delete entry.signFailedAt;
    let signature: Promise<Uint8Array | SignedConfirm>;
    try {
      signature = Promise.resolve(opts.sign(entry.pair.signingInput()));
    } catch (error) {
      signature = Promise.reject(error instanceof Error ? error : new Error('sign threw'));
    }
    const failed = (): void => {
      entry.signPending = false;
      entry.signFailedAt = opts.now();
      hooks.signFailed();
    };
    const handled = signature.then(
      (value) =>
        hooks.enqueue(async () => {
          if (this.entries.get(entry.key) !== entry) return;
          try {
            if (value instanceof Uint8Array) await entry.pair.setSignature(value);
            else if (typeof value === 'object' && value !== null) await entry.pair.setSignature(value.signature, value.extensions);
            else return failed();
          } catch (error) {
            if (isE2eeError(error, 'sign-failed') || isE2eeError(error, 'invalid-argument')) return failed();
            throw error;
          }
          entry.signPending = false;
          entry.movedAt = opts.now();
          hooks.signed(entry);
        }),
      () => hooks.enqueue(failed),
    );
    this.signing.add(handled);
    void handled.finally(() => this.signing.delete(handled));
  }

  /** The signatures in flight (their own work is queued with `enqueue`). */
  pendingSignatures(): Promise<unknown>[] {
    return [...this.signing];
  }

  private noteFailed(key: string, now: number): void {
    this.failed.delete(key);
    this.failed.set(key, { at: now, heardAt: Number.NEGATIVE_INFINITY });
    for (const oldest of this.failed.keys()) {
      if (this.failed.size <= RETIRED_PID_LIMIT) break;
      this.failed.delete(oldest);
    }
  }

  /**
   * What a new pair may evict when the table is full (§6.5): the confirmed pair heard least recently whose participant
   * is not present and which is not current — someone who left the call, or whose session was replaced and whose new
   * pair has not confirmed yet (in a group, neither is superseded meanwhile); failing that, the oldest pair that is
   * not confirmed. Half-made pairs went first until eight browsers showed two restarts within seconds filling the
   * table with silent old pairs, so that the second new pid evicted the first's pair, confirmed on its side already.
   */
  private evictable(now: number): Entry | undefined {
    let quietest: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (!entry.promoted || isPresent(entry, now) || this.hooks.isCurrent(entry)) continue;
      const heard = entry.lastHeardAt ?? Number.NEGATIVE_INFINITY;
      if (quietest === undefined || heard < (quietest.lastHeardAt ?? Number.NEGATIVE_INFINITY)) quietest = entry;
    }
    if (quietest !== undefined) return quietest;
    let oldest: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (!entry.promoted && (oldest === undefined || entry.pair.createdAt < oldest.pair.createdAt)) oldest = entry;
    }
    return oldest;
  }
}
