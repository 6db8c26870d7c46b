/**
 * Stateful SFrame endpoints over bigint KIDs and CTRs (RFC 9605 §4.4, Appendix A) — the tests' reference, not
 * production code (the worker's per-frame path is src/sframe/hot-path.ts, driven by src/worker/key-ring.ts):
 * - `SFrameSender`: one KID and base_key, used for encryption only (§4.4.1), with a CTR that starts at 0
 *   and is reserved synchronously before any await, so no (key, nonce) pair is ever used twice (§7.4, §9.1);
 * - `SFrameReceiver`: KID → keys for decryption only, with a per-KID replay window (§9.3).
 *
 * Keys are derived and imported once (`create` / `addKey`), never per frame.
 */
import { SFrameError } from '../../../../../src/sframe/errors';
import { assertBytes, assertUint64 } from '../../../../../src/sframe/bytes';
import { decodeHeader } from '../../../../../src/sframe/header';
import { SFrameKeys } from '../../../../../src/sframe/keys';
import { DEFAULT_REPLAY_WINDOW, assertReplayWindowWidth } from '../../../../../src/sframe/replay-window';
import type { CipherSuite, CipherSuiteId } from '../../../../../src/sframe/suites';
import { cipherSuite } from '../../../../../src/sframe/suites';
import type { DecryptedFrame } from './frame';
import { EMPTY_BYTES, maxCounter, openFrame, sframeEncrypt } from './frame';
import { ReplayWindow } from './replay-window';

/** Options of `SFrameSender.create`. */
interface SFrameSenderOptions {
  /** Cipher suite registry value (RFC 9605 §8.1) or suite object. */
  readonly suite: CipherSuiteId | CipherSuite;
  /** The KID announced in every header, 0..2^64-1. */
  readonly kid: bigint;
  /** The base_key for this KID (at least 16 bytes). Not retained: only derived, non-extractable keys are. */
  readonly baseKey: Uint8Array;
  /**
   * First CTR to use (default 0n). Only for resuming a persisted context (RFC 9605 §9.1): it must be above
   * every CTR ever used with this base_key and KID, or nonces repeat.
   */
  readonly initialCounter?: bigint;
}

function assertOptionsObject(options: unknown, what: string): asserts options is Record<string, unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new SFrameError('invalid-argument', `${what} options must be an object`);
  }
}

/** Encrypts frames under one KID with a never-repeating counter. */
export class SFrameSender {
  readonly suite: CipherSuite;
  readonly kid: bigint;
  readonly #keys: SFrameKeys;
  readonly #maxCounter: bigint;
  #next: bigint;

  private constructor(keys: SFrameKeys, initialCounter: bigint) {
    this.suite = keys.suite;
    this.kid = keys.kid;
    this.#keys = keys;
    this.#maxCounter = maxCounter(keys.suite);
    this.#next = initialCounter;
  }

  /**
   * Derives and imports the keys for `kid` (RFC 9605 §4.4.2).
   * Throws SFrameError 'invalid-argument' (options, suite, base_key) or 'length-overflow' (KID, counter).
   */
  static async create(options: SFrameSenderOptions): Promise<SFrameSender> {
    assertOptionsObject(options, 'SFrameSender');
    const suite = cipherSuite(options.suite);
    assertUint64(options.kid, 'kid');
    assertBytes(options.baseKey, 'baseKey');
    const initialCounter = options.initialCounter ?? 0n;
    assertUint64(initialCounter, 'initialCounter');
    if (initialCounter > maxCounter(suite)) {
      throw new SFrameError('length-overflow', 'initialCounter does not fit the nonce');
    }
    const keys = await SFrameKeys.derive(suite, options.kid, options.baseKey);
    return new SFrameSender(keys, initialCounter);
  }

  /** The CTR the next `encrypt` will use (it may be past the maximum once exhausted). */
  get nextCounter(): bigint {
    return this.#next;
  }

  /** True once every CTR has been used: `encrypt` then throws 'counter-exhausted'. */
  get exhausted(): boolean {
    return this.#next > this.#maxCounter;
  }

  /**
   * Encrypts one frame (RFC 9605 §4.4.3) → header || ciphertext || tag, with AAD = header || metadata.
   * Each call consumes one CTR, even if WebCrypto later fails, so a CTR is never reused.
   * Throws SFrameError 'invalid-argument' (types) or 'counter-exhausted' (a new key and KID are needed).
   */
  async encrypt(plaintext: Uint8Array, metadata: Uint8Array = EMPTY_BYTES): Promise<Uint8Array<ArrayBuffer>> {
    assertBytes(plaintext, 'plaintext');
    assertBytes(metadata, 'metadata');
    const ctr = this.#next;
    if (ctr > this.#maxCounter) {
      throw new SFrameError('counter-exhausted', `all counters of kid ${this.kid} are used; rotate the key`);
    }
    this.#next = ctr + 1n; // reserved synchronously: concurrent calls get distinct counters
    return sframeEncrypt(this.#keys, this.kid, ctr, metadata, plaintext);
  }
}

/** Options of `new SFrameReceiver`. */
interface SFrameReceiverOptions {
  /** Cipher suite registry value (RFC 9605 §8.1) or suite object. */
  readonly suite: CipherSuiteId | CipherSuite;
  /** Replay window width in counters, per KID (default 128, 1..65536). */
  readonly replayWindow?: number;
}

interface ReceiveKey {
  readonly keys: SFrameKeys;
  readonly window: ReplayWindow;
}

/** Decrypts frames for any KID it holds keys for, rejecting replays per KID. */
export class SFrameReceiver {
  readonly suite: CipherSuite;
  readonly replayWindow: number;
  readonly #keys = new Map<bigint, ReceiveKey>();
  /** Bumped by every addKey/removeKey of a KID, so a slow addKey never overrides a later change. */
  readonly #generation = new Map<bigint, number>();

  constructor(options: SFrameReceiverOptions) {
    assertOptionsObject(options, 'SFrameReceiver');
    this.suite = cipherSuite(options.suite);
    const width = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    assertReplayWindowWidth(width);
    this.replayWindow = width;
  }

  /**
   * Derives and installs the keys for `kid` (RFC 9605 §4.4.2), replacing any previous key for it together
   * with its replay window. Throws SFrameError 'invalid-argument' (base_key) or 'length-overflow' (KID).
   */
  async addKey(kid: bigint, baseKey: Uint8Array): Promise<void> {
    assertUint64(kid, 'kid');
    assertBytes(baseKey, 'baseKey');
    const generation = this.#bump(kid);
    const keys = await SFrameKeys.derive(this.suite, kid, baseKey);
    if (this.#generation.get(kid) !== generation) return; // superseded by a later addKey/removeKey
    this.#keys.set(kid, { keys, window: new ReplayWindow(this.replayWindow) });
  }

  /** Forgets the key of `kid` and its replay window; returns whether one was installed. */
  removeKey(kid: bigint): boolean {
    assertUint64(kid, 'kid');
    this.#bump(kid);
    return this.#keys.delete(kid);
  }

  /** Whether a key for `kid` is installed. */
  hasKey(kid: bigint): boolean {
    assertUint64(kid, 'kid');
    return this.#keys.has(kid);
  }

  /** The KIDs with an installed key. */
  kids(): bigint[] {
    return [...this.#keys.keys()];
  }

  /**
   * Decrypts header || ciphertext || tag (RFC 9605 §4.4.4) with AAD = header || metadata. The CTR is marked
   * as seen only after authentication succeeds. Throws SFrameError: 'invalid-argument', 'truncated-header',
   * 'unknown-kid' (no key, or it was removed/replaced meanwhile), 'truncated-ciphertext',
   * 'replay', 'authentication-failed'.
   */
  async decrypt(frame: Uint8Array, metadata: Uint8Array = EMPTY_BYTES): Promise<DecryptedFrame> {
    assertBytes(frame, 'frame');
    assertBytes(metadata, 'metadata');
    const header = decodeHeader(frame);
    const entry = this.#keys.get(header.kid);
    if (entry === undefined) {
      throw new SFrameError('unknown-kid', `no key for kid ${header.kid}`);
    }
    if (frame.length - header.headerLength < this.suite.nt) {
      throw new SFrameError(
        'truncated-ciphertext',
        `${frame.length - header.headerLength} bytes after the header, fewer than the ${this.suite.nt}-byte tag`,
      );
    }
    entry.window.check(header.ctr); // early reject; re-checked in accept()
    const plaintext = await openFrame(entry.keys, frame, header, metadata);
    if (this.#keys.get(header.kid) !== entry) {
      throw new SFrameError('unknown-kid', `key for kid ${header.kid} was removed or replaced during decryption`);
    }
    entry.window.accept(header.ctr);
    return { kid: header.kid, ctr: header.ctr, plaintext };
  }

  #bump(kid: bigint): number {
    const next = (this.#generation.get(kid) ?? 0) + 1;
    this.#generation.set(kid, next);
    return next;
  }
}
