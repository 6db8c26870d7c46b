/**
 * The session's bookkeeping that a peer (or the infrastructure) can push on: the pair budget, the retired pids, and
 * the evidence for the fallback (protocol.md §6.4, §6.5). Pure, time passed in.
 *
 * Why separate: these are the rules that keep a hostile network from making the session do unbounded work or fall
 * back to plaintext on a whim; each is small and tested on its own.
 */
import { E2eeError } from './errors';

function requireTime(now: number): void {
  if (!Number.isFinite(now)) throw new E2eeError('invalid-argument', 'now must be a finite number');
}

/** New pairs: `capacity` at once, then one per `refillMs` (§6.5: 6, then one per 2 s). */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number | null = null;

  constructor(
    private readonly capacity: number,
    private readonly refillMs: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1 || !(refillMs > 0)) {
      throw new E2eeError('invalid-argument', 'capacity must be a positive integer and refillMs positive');
    }
    this.tokens = capacity;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    requireTime(now);
    if (this.updatedAt !== null && now > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) / this.refillMs);
    }
    this.updatedAt = Math.max(now, this.updatedAt ?? now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The pids whose pairs were retired: a packet from one starts nothing (§6.2). Oldest forgotten first (§6.5). */
export class RetiredPids {
  private readonly pids = new Set<string>();

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new E2eeError('invalid-argument', 'limit must be positive');
  }

  add(pidHex: string): void {
    this.pids.delete(pidHex); // re-adding moves it to the newest end
    this.pids.add(pidHex);
    while (this.pids.size > this.limit) {
      const oldest = this.pids.values().next().value;
      if (oldest === undefined) break;
      this.pids.delete(oldest);
    }
  }

  has(pidHex: string): boolean {
    return this.pids.has(pidHex);
  }

  clear(): void {
    this.pids.clear();
  }

  get size(): number {
    return this.pids.size;
  }
}

/** Plain frames needed, at least, before the fallback (§6.4). */
const FALLBACK_MIN_PLAIN_FRAMES = 20;
/** The latest plain frame (or version-1 hello) must be this recent: the evidence is current (§6.4). */
const EVIDENCE_RECENT_MS = 1000;

type FallbackVerdict = null | 'no-key-exchange' | 'peer-protocol-1' | 'peer-protocol-2';

/**
 * Evidence that the peer lacks CallSeal, or speaks only version 1 (§4.1, §6.4). A run of plain frames counts from
 * the first plain frame after the last frame with CallSeal's trailer; a run of version-1 hellos from the first one
 * after the last version-2 packet.
 */
export class FallbackEvidence {
  private plainSince: number | null = null;
  private plainCount = 0;
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  private lastTrailerAt = Number.NEGATIVE_INFINITY;
  private version1Since: number | null = null;
  private lastVersion1At = Number.NEGATIVE_INFINITY;
  /** The newest older version heard (1 or 2), for the reason shown. */
  private olderVersion: 1 | 2 = 1;

  /** A peer frame without CallSeal's trailer. */
  notePlain(now: number): void {
    requireTime(now);
    this.plainSince ??= now;
    this.plainCount++;
    this.lastPlainAt = now;
  }

  /** A peer frame with CallSeal's trailer, valid or not: the plain run is over. */
  noteTrailer(now: number): void {
    requireTime(now);
    this.lastTrailerAt = now;
    this.plainSince = null;
    this.plainCount = 0;
  }

  /** A version-1 hello in a frame's handshake slot. */
  noteVersion1(now: number): void {
    this.noteOlderVersion(now, 1);
  }

  /** A packet of an older version (a version-1 hello, a version-2 packet) in a frame's handshake slot (§4.1). */
  noteOlderVersion(now: number, version: 1 | 2): void {
    requireTime(now);
    this.version1Since ??= now;
    this.lastVersion1At = now;
    this.olderVersion = version;
  }

  /** A well-formed packet of this version from another participant: whoever sends it is not of an older one only. */
  noteVersion2(now: number): void {
    requireTime(now);
    this.version1Since = null;
  }

  verdict(now: number, fallbackAfterMs: number): FallbackVerdict {
    requireTime(now);
    if (
      this.version1Since !== null &&
      now - this.version1Since >= fallbackAfterMs &&
      now - this.lastVersion1At <= EVIDENCE_RECENT_MS
    ) {
      return this.olderVersion === 2 ? 'peer-protocol-2' : 'peer-protocol-1';
    }
    if (
      this.plainSince !== null &&
      now - this.plainSince >= fallbackAfterMs &&
      this.plainCount >= FALLBACK_MIN_PLAIN_FRAMES &&
      now - this.lastPlainAt <= EVIDENCE_RECENT_MS &&
      now - this.lastTrailerAt >= fallbackAfterMs
    ) {
      return 'no-key-exchange';
    }
    return null;
  }
}

/**
 * The call's fallback (§6.4): the evidence, the verdict once reached, and whether a pair confirmed during this call.
 * A call in which a pair confirmed is never downgraded; neither is a fallback undone but by a pair or the call's end.
 */
export class CallFallback {
  private evidenceOfCall = new FallbackEvidence();
  private reached: FallbackVerdict = null;
  private confirmedThisCall = false;

  /** What the peer's frames and packets say (noted by the session as they come). */
  get evidence(): FallbackEvidence {
    return this.evidenceOfCall;
  }

  get verdict(): FallbackVerdict {
    return this.reached;
  }

  /** A pair confirmed: this call is beyond the fallback. */
  confirmed(): void {
    this.confirmedThisCall = true;
    this.reached = null;
  }

  /** The call ended: the next call starts with no evidence (§6.4). True when this one had fallen back. */
  reset(): boolean {
    const fellBack = this.reached !== null;
    this.reached = null;
    this.confirmedThisCall = false;
    this.evidenceOfCall = new FallbackEvidence();
    return fellBack;
  }

  /** The verdict if it was reached just now; null if not, or if reached before, or if a pair confirmed this call. */
  evaluate(now: number, fallbackAfterMs: number): FallbackVerdict {
    if (this.confirmedThisCall || this.reached !== null) return null;
    this.reached = this.evidenceOfCall.verdict(now, fallbackAfterMs);
    return this.reached;
  }
}
