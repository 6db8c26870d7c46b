/**
 * The negotiation state machine of one page call: the brain the transform worker drives.
 *
 * Why it is shaped like this: the hellos ride inside media frames that the call infrastructure may drop,
 * reorder, replay or forge, and there is no side channel. So the session (1) keeps attaching its signed hello
 * to outgoing frames until it has evidence the peer has it and the peer has learnt we have theirs, (2) turns
 * every verified hello from a new peer session into a new key epoch, (3) ignores anything forged, reflected or
 * replayed without ever throwing at the worker, and (4) only gives up on encryption on evidence: plain media
 * from the peer and no valid hello within `fallbackAfterMs`. Alone in a room nothing ever goes out in clear.
 * It holds no timers of its own: time comes from `now()`, and the worker calls `tick()`, which keeps it pure
 * and unit-testable.
 *
 *                 verified hello from a new peer session (epoch + 1)
 *   negotiating ------------------------------------------------------> encrypted <--+ new peer session:
 *        |  plain peer media, then no valid hello for fallbackAfterMs       ^     +----+ epoch + 1
 *        v                                                                  |
 *   unencrypted (allowPlaintextFallback) / blocked (otherwise) -------------+ a late hello upgrades the call
 *
 * When to attach our hello (outgoingHello non-null):
 *   - the peer's latest hello does not ack our hello (or no peer hello yet);
 *   - for HELLO_ACK_LINGER_MS after a peer hello brought news (a new peer session, or a changed ack), so that
 *     the peer sees our ack of its hello. Re-arming only on news, not on every peer hello, avoids two sessions
 *     keeping each other sending forever;
 *   - a keepalive every HELLO_KEEPALIVE_MS, which also repairs the case where all our acks were lost.
 * `minHelloIntervalMs` (default 0: every frame that asks) rate-limits attachment across all senders.
 */
import { copyBytes, concatBytes, equalBytes, requireBytes, toHex } from './bytes';
import {
  DEFAULT_SFRAME_SUITE,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  SESSION_ID_LENGTH,
} from './constants';
import { E2eeError, isE2eeError } from './errors';
import { decodeHello, encodeHello, encodeHelloBody, helloDigest, verifyHelloSignature, zeroAck } from './hello';
import type { DecodedHello } from './hello';
import { deriveEpoch, generateEphemeral } from './key-schedule';
import type { EphemeralKeyPair, EpochSecrets } from './key-schedule';
import { identityFingerprint } from './security-code';

export type CallState = 'negotiating' | 'encrypted' | 'unencrypted' | 'blocked' | 'error';

export interface SessionStatus {
  state: CallState;
  securityCode?: string;
  /** Number of epochs so far (0 before the first verified peer hello). */
  epoch: number;
  peerIdentityFingerprint?: string;
  /** Why the state is what it is: 'peer-media-without-callseal' (unencrypted/blocked), an error code (error). */
  reason?: string;
  hellosSent: number;
  /** Every peer hello handed to receivePeerHello, accepted or not. */
  hellosReceived: number;
  /** The subset of hellosReceived that was rejected or ignored (malformed, forged, reflected, replayed...). */
  hellosRejected: number;
  /** E2eeError code of the most recently rejected hello. Informational; changes do not trigger onStatus. */
  lastRejection?: string;
}

export interface SessionOptions {
  /** Our Ed25519 identity public key (raw, 32 bytes), from the background. */
  identityPublicKey: Uint8Array;
  /** The background signs HELLO_SIGNATURE_LABEL || body and returns the 64-byte signature. */
  signHello(body: Uint8Array): Promise<Uint8Array>;
  /** Monotonic milliseconds (performance.now() in the worker, a fake clock in tests). */
  now(): number;
  /** How long after the first plain peer frame we wait for a valid hello before falling back (e.g. 4000). */
  fallbackAfterMs: number;
  /** false: 'blocked' instead of 'unencrypted' when the peer turns out not to speak CallSeal. */
  allowPlaintextFallback: boolean;
  /** Called on every change of state, epoch or security code. Exceptions it throws are ignored. */
  onStatus(status: SessionStatus): void;
  /** New keys to install (called before the matching onStatus). If it throws, the state becomes 'error'. */
  onEpoch(epoch: EpochSecrets, epochNumber: number): void;
  /** SFrame cipher suite we announce and require from the peer. Default DEFAULT_SFRAME_SUITE (4). */
  suite?: number;
  /** Minimum spacing between two attached hellos, in ms. Default 0 (no rate limit). */
  minHelloIntervalMs?: number;
}

/** Keep attaching hellos this long after a peer hello brought news, so the peer sees our ack. */
export const HELLO_ACK_LINGER_MS = 1000;
/** Attach a hello at least this often, even when both sides have acked each other. */
export const HELLO_KEEPALIVE_MS = 2000;

const PLAIN_PEER_REASON = 'peer-media-without-callseal';

interface PeerSession {
  /** Hex of the peer hello's sessionId. */
  key: string;
  /** body || signature of the current peer hello (what we ack, what the transcript holds). */
  signed: Uint8Array;
}

export class CallSession {
  private state: CallState = 'negotiating';
  private epoch = 0;
  private securityCode: string | undefined;
  private peerFingerprint: string | undefined;
  private reason: string | undefined;
  private lastRejection: string | undefined;
  private hellosSent = 0;
  private hellosReceived = 0;
  private hellosRejected = 0;

  private peer: PeerSession | null = null;
  /**
   * The peer session the current one displaced. It may come back once: if the displacing hello was a stale
   * one injected by the infrastructure (say, the peer's hello from an earlier call), the real peer's next
   * keepalive hello restores the call instead of being refused as a replay for good. Older sessions stay refused.
   */
  private previousPeerSession: string | null = null;
  private readonly seenPeerSessions = new Set<string>();
  /** What our outgoing hellos ack: the digest of the current peer hello, or zeros. */
  private ack: Uint8Array = zeroAck();
  /** The ack carried by the latest accepted peer hello. */
  private peerAck: Uint8Array | null = null;
  private lingerUntil = Number.NEGATIVE_INFINITY;
  private lastSentAt: number | null = null;
  private plainMediaSince: number | null = null;
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly opts: SessionOptions,
    private readonly suite: number,
    private readonly minHelloIntervalMs: number,
    private readonly ephemeral: EphemeralKeyPair,
    private readonly myHello: DecodedHello,
    private readonly myDigest: Uint8Array,
  ) {}

  /** Makes the ephemeral pair and sessionId and asks the background to sign our hello, once. */
  static async create(opts: SessionOptions): Promise<CallSession> {
    if (typeof opts !== 'object' || opts === null) throw new E2eeError('invalid-argument', 'options are missing');
    requireBytes(opts.identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
    for (const fn of ['signHello', 'now', 'onStatus', 'onEpoch'] as const) {
      if (typeof opts[fn] !== 'function') throw new E2eeError('invalid-argument', `${fn} must be a function`);
    }
    if (!Number.isFinite(opts.fallbackAfterMs) || opts.fallbackAfterMs < 0) {
      throw new E2eeError('invalid-argument', 'fallbackAfterMs must be a non-negative number');
    }
    if (typeof opts.allowPlaintextFallback !== 'boolean') {
      throw new E2eeError('invalid-argument', 'allowPlaintextFallback must be a boolean');
    }
    const minInterval = opts.minHelloIntervalMs ?? 0;
    if (!Number.isFinite(minInterval) || minInterval < 0) {
      throw new E2eeError('invalid-argument', 'minHelloIntervalMs must be a non-negative number');
    }
    const suite = opts.suite ?? DEFAULT_SFRAME_SUITE;

    const ephemeral = await generateEphemeral();
    const sessionId = globalThis.crypto.getRandomValues(new Uint8Array(SESSION_ID_LENGTH));
    const body = encodeHelloBody({
      suite,
      sessionId,
      ephemeralPublicKey: ephemeral.publicKey,
      identityPublicKey: opts.identityPublicKey,
    });
    let signature: unknown;
    try {
      signature = await opts.signHello(copyBytes(body));
    } catch (error) {
      throw new E2eeError('sign-failed', 'the background did not sign our hello', { cause: error });
    }
    if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) {
      throw new E2eeError('bad-signature', 'the background returned something that is not a signature');
    }
    if (!(await verifyHelloSignature({ body, signature }))) {
      throw new E2eeError('bad-signature', 'our own hello signature does not verify with our identity key');
    }
    const myHello = decodeHello(encodeHello(body, signature, zeroAck()));
    const myDigest = await helloDigest(body, signature);
    const session = new CallSession(opts, suite, minInterval, ephemeral, myHello, myDigest);
    session.emit();
    return session;
  }

  /** Hello bytes to attach to the next outgoing frame (with the current ack), or null when none is needed. */
  outgoingHello(): Uint8Array | null {
    const now = this.opts.now();
    if (this.lastSentAt !== null && now - this.lastSentAt < this.minHelloIntervalMs) return null;
    const unacked = this.peerAck === null || !equalBytes(this.peerAck, this.myDigest);
    const lingering = now < this.lingerUntil;
    const keepalive = this.lastSentAt === null || now - this.lastSentAt >= HELLO_KEEPALIVE_MS;
    if (!unacked && !lingering && !keepalive) return null;
    this.lastSentAt = now;
    this.hellosSent++;
    return encodeHello(this.myHello.body, this.myHello.signature, this.ack);
  }

  /**
   * Handles a hello found in a peer frame. Never rejects: forged, malformed, reflected and replayed hellos are
   * counted and ignored. Hellos are processed one at a time, in arrival order; the bytes are copied at once.
   */
  receivePeerHello(bytes: Uint8Array): Promise<void> {
    const snapshot = bytes instanceof Uint8Array ? copyBytes(bytes) : null;
    this.queue = this.queue.then(() => this.process(snapshot)).catch((error: unknown) => this.fail(error));
    return this.queue;
  }

  /** A peer media frame without a CallSeal trailer arrived: evidence the peer may not run CallSeal. */
  notePlainPeerMedia(): void {
    if (this.state === 'negotiating' && this.plainMediaSince === null) this.plainMediaSince = this.opts.now();
    this.evaluateFallback();
  }

  /** Re-evaluates the fallback timer against now(). */
  tick(): void {
    this.evaluateFallback();
  }

  status(): SessionStatus {
    const status: SessionStatus = {
      state: this.state,
      epoch: this.epoch,
      hellosSent: this.hellosSent,
      hellosReceived: this.hellosReceived,
      hellosRejected: this.hellosRejected,
    };
    if (this.securityCode !== undefined) status.securityCode = this.securityCode;
    if (this.peerFingerprint !== undefined) status.peerIdentityFingerprint = this.peerFingerprint;
    if (this.reason !== undefined) status.reason = this.reason;
    if (this.lastRejection !== undefined) status.lastRejection = this.lastRejection;
    return status;
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private async process(bytes: Uint8Array | null): Promise<void> {
    this.hellosReceived++;
    try {
      if (bytes === null) throw new E2eeError('invalid-argument', 'hello must be a Uint8Array');
      const hello = decodeHello(bytes);
      if (hello.suite !== this.suite) throw new E2eeError('unsupported-suite', `peer suite ${hello.suite}`);
      const mine = this.myHello;
      if (
        (equalBytes(hello.identityPublicKey, mine.identityPublicKey) && equalBytes(hello.sessionId, mine.sessionId)) ||
        equalBytes(hello.ephemeralPublicKey, mine.ephemeralPublicKey)
      ) {
        throw new E2eeError('reflected-hello', 'a hello of our own came back');
      }
      const signed = concatBytes(hello.body, hello.signature);
      if (this.peer !== null && equalBytes(signed, this.peer.signed)) {
        this.noteAck(hello.ack); // the current peer hello again: only the unsigned ack may have changed
        return;
      }
      const sessionKey = toHex(hello.sessionId);
      if (this.seenPeerSessions.has(sessionKey) && sessionKey !== this.previousPeerSession) {
        throw new E2eeError('replayed-hello', 'hello from a superseded (or conflicting) peer session');
      }
      const secrets = await deriveEpoch({ myPrivateKey: this.ephemeral.privateKey, myHello: mine, peerHello: hello });
      const [fingerprint, digest] = await Promise.all([
        identityFingerprint(hello.identityPublicKey),
        helloDigest(hello.body, hello.signature),
      ]);
      this.adoptEpoch(sessionKey, signed, digest, hello.ack, secrets, fingerprint);
    } catch (error) {
      if (!isE2eeError(error) || error.code === 'crypto-unavailable') throw error;
      this.hellosRejected++;
      this.lastRejection = error.code;
    }
  }

  private adoptEpoch(
    sessionKey: string,
    signed: Uint8Array,
    digest: Uint8Array,
    peerAck: Uint8Array,
    secrets: EpochSecrets,
    fingerprint: string,
  ): void {
    this.seenPeerSessions.add(sessionKey);
    this.previousPeerSession = this.peer?.key ?? null;
    this.peer = { key: sessionKey, signed };
    this.ack = digest;
    this.peerAck = null; // a new peer session: whatever it acks is news
    this.noteAck(peerAck);
    this.epoch++;
    try {
      this.opts.onEpoch(secrets, this.epoch);
    } catch {
      this.setState('error', 'epoch-install-failed');
      return;
    }
    this.securityCode = secrets.securityCode;
    this.peerFingerprint = fingerprint;
    this.setState('encrypted', undefined);
  }

  private noteAck(peerAck: Uint8Array): void {
    const news = this.peerAck === null || !equalBytes(this.peerAck, peerAck);
    this.peerAck = copyBytes(peerAck);
    if (news) this.lingerUntil = Math.max(this.lingerUntil, this.opts.now() + HELLO_ACK_LINGER_MS);
  }

  private evaluateFallback(): void {
    if (this.state !== 'negotiating' || this.plainMediaSince === null) return;
    if (this.opts.now() - this.plainMediaSince < this.opts.fallbackAfterMs) return;
    this.setState(this.opts.allowPlaintextFallback ? 'unencrypted' : 'blocked', PLAIN_PEER_REASON);
  }

  /** An unexpected failure while processing a hello (a bug, or WebCrypto missing): state 'error'. */
  private fail(error: unknown): void {
    this.setState('error', isE2eeError(error) ? error.code : 'internal-error');
  }

  private setState(state: CallState, reason: string | undefined): void {
    this.state = state;
    this.reason = reason;
    this.emit();
  }

  private emit(): void {
    try {
      this.opts.onStatus(this.status());
    } catch {
      // A status listener failing must not break negotiation.
    }
  }
}
