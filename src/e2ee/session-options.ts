/**
 * The session's constants, types and option checks (protocol.md §6): what the worker's controller and the tests
 * need to know about a session without its machinery.
 */
import { requireBytes } from './bytes';
import { DEFAULT_SFRAME_SUITE, ED25519_PUBLIC_KEY_LENGTH, PID_LENGTH } from './constants';
import { E2eeError } from './errors';
import type { WorkerCallState } from '../shared/call-status';

export const PAIR_LIMIT = 8;
export const PAIR_BURST = 6;
export const PAIR_REFILL_MS = 2000;
export const PENDING_PAIR_TIMEOUT_MS = 20_000;
export const RETIRED_PID_LIMIT = 64;
/** How long a superseded pair's keys stay for frames in flight (§6.2). */
export const PREVIOUS_PAIR_GRACE_MS = 10_000;
export const SIGN_RETRY_MS = 3000;
/**
 * A worker starts a new session because a pair failed with someone still in the call (§6.5) at most this often: a
 * made-up pid that never confirms cannot make it restart more than once a minute.
 */
export const RESTART_INTERVAL_MS = 60_000;
export const PROBE_INTERVAL_MS = 1000;

/** The states a session reports: the worker's (shared/call-status.ts) but `off`, which only the worker knows. */
type SessionState = Exclude<WorkerCallState, 'off'>;
type SessionDetail =
  | 'no-key-exchange'
  | 'peer-protocol-1'
  | 'peer-protocol-2'
  | 'sign-failed'
  | 'keys-failed'
  | 'internal-error'
  /** A group in which someone's CallSeal does not speak group (§6.6, §11.3): not encrypted. */
  | 'group-call'
  /** More than 8 people (§11.9): CallSeal stopped encrypting. */
  | 'group-too-large';

export interface SessionStatus {
  state: SessionState;
  /** The current pair's number (0 before the first pair is confirmed). */
  epoch: number;
  /** With encrypted and identity-changed. */
  securityCode?: string;
  peerIdentityPublicKey?: Uint8Array;
  /** With encrypted and identity-changed: the current pair's peer's claimed display name, when it sent a valid one. */
  peerName?: string;
  /** With encrypted and identity-changed: the SFrame cipher suite (RFC 9605 §4.5). */
  suite?: number;
  detail?: SessionDetail;
  /** In group mode (§11.9): every confirmed participant present, with its state and per-peer code. */
  participants?: GroupParticipantStatus[];
  /**
   * In group mode: the group code (§11.7), only when the round of the current members is complete and they are exactly
   * the participants listed; absent otherwise (never an earlier roster's).
   */
  groupCode?: string;
}

/** One participant of a group call as the session sees it (§11.9). */
export interface GroupParticipantStatus {
  /** Its pid, in hex (it changes when the participant rejoins). */
  pid: string;
  /**
   * `encrypted`: keys both ways; `connecting`: the pair or a sender key is pending; `needs-update`: its CallSeal does
   * not speak group (§11.3), so it holds no sender key and we none of its.
   */
  state: 'encrypted' | 'connecting' | 'needs-update';
  /** The pair's 20-digit code (§5.2). */
  securityCode: string;
  peerIdentityPublicKey: Uint8Array;
  peerName?: string;
  /** It acknowledged the sender key our media goes under now. */
  hearsYou: boolean;
  /** We hold its sender key and its media decrypted within the last 2 s. */
  youHear: boolean;
  /** While no group code is shown: its part of the current group-code round is missing, or it is not in the roster (§11.7). */
  codePending?: boolean;
}

/**
 * What the background answers a signing request with: the signature over label || th || pid || extensions and the
 * extension bytes it appended (protocol.md §4.3). A bare signature means no extensions.
 */
export interface SignedConfirm {
  signature: Uint8Array;
  extensions: Uint8Array;
}

/** What the key ring needs of a confirmed pair. */
export interface ConfirmedPairKeys {
  id: number;
  kidTag: number;
  sendSecret: CryptoKey;
  receiveSecret: CryptoKey;
}

/** Counts for tests and diagnostics. */
export interface SessionStats {
  pid: string;
  pairs: number;
  retired: number;
  /** Why packets and records were ignored, by reason (§4: "ignored and counted"). */
  rejections: Record<string, number>;
  lastRejection?: string;
}

export interface SessionPolicy {
  /** Sustained evidence needed before the fallback, and before `blocked` for a version-1 peer (§4.1, §6.4). */
  fallbackAfterMs: number;
  /** With the evidence: `unencrypted` if true, `blocked` if false. */
  allowPlaintextFallback: boolean;
}

export interface SessionOptions extends SessionPolicy {
  /** Our Ed25519 identity public key (raw, 32 bytes). */
  identityPublicKey: Uint8Array;
  /**
   * The background signs label || input || its extensions (input = th || pid, 40 bytes) and returns the 64-byte
   * signature, with the extension bytes it signed (§4.3).
   */
  sign(input: Uint8Array): Promise<Uint8Array | SignedConfirm>;
  /** Monotonic milliseconds. */
  now(): number;
  /** A pair was confirmed and is now current: install its keys and send under them. Throwing means 'keys-failed'. */
  onPairConfirmed(keys: ConfirmedPairKeys): void;
  /** A confirmed pair was retired: forget its keys. */
  onPairRetired(pairId: number): void;
  /** The status may have changed. */
  onChange(): void;
  /**
   * Group mode (§11.5): the local video encoders should make a key frame (`encoder`: our sender key changed, or a
   * newcomer now holds it), or the video receivers should ask for one (`receiver`: a member's new key arrived).
   */
  onKeyFrame?(side: 'encoder' | 'receiver'): void;
  /**
   * §6.5: a pair that timed out is with a participant still in the call, and this side is the one to try again: the
   * owner should replace this session with a new one (a fresh pid), at most once a minute. Asked at each tick.
   */
  onRestart?(): void;
  suite?: number;
}

/** Throws 'invalid-argument' (or 'unsupported-suite') for options a session cannot run with. */
export function checkSessionOptions(opts: SessionOptions): number {
  if (typeof opts !== 'object' || opts === null) throw new E2eeError('invalid-argument', 'options are missing');
  requireBytes(opts.identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
  for (const fn of ['sign', 'now', 'onPairConfirmed', 'onPairRetired', 'onChange'] as const) {
    if (typeof opts[fn] !== 'function') throw new E2eeError('invalid-argument', `${fn} must be a function`);
  }
  const suite = opts.suite ?? DEFAULT_SFRAME_SUITE;
  if (suite !== DEFAULT_SFRAME_SUITE) throw new E2eeError('unsupported-suite', `suite ${suite}`);
  checkPolicy(opts);
  return suite;
}

export function checkPolicy(policy: SessionPolicy): SessionPolicy {
  if (typeof policy !== 'object' || policy === null) throw new E2eeError('invalid-argument', 'policy is missing');
  if (!Number.isFinite(policy.fallbackAfterMs) || policy.fallbackAfterMs < 0) {
    throw new E2eeError('invalid-argument', 'fallbackAfterMs must be a non-negative number');
  }
  if (typeof policy.allowPlaintextFallback !== 'boolean') {
    throw new E2eeError('invalid-argument', 'allowPlaintextFallback must be a boolean');
  }
  return { fallbackAfterMs: policy.fallbackAfterMs, allowPlaintextFallback: policy.allowPlaintextFallback };
}

/** A fresh participant id (§4): 8 random bytes. */
export function randomPid(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(PID_LENGTH));
}
