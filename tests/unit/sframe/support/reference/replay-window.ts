/**
 * The replay window over bigint counters (RFC 9605 §9.3, SRTP-style, RFC 3711 §3.3.2) — the tests' reference for
 * the per-frame window over numbers (src/sframe/replay-window.ts, `NumberReplayWindow`), with the same semantics:
 * callers `check` before decrypting and `accept` only after the frame authenticated.
 */
import { SFrameError } from '../../../../../src/sframe/errors';
import {
  DEFAULT_REPLAY_WINDOW,
  assertReplayWindowWidth,
  type ReplayVerdict,
} from '../../../../../src/sframe/replay-window';

/** A sliding replay window over bigint counters. */
export class ReplayWindow {
  readonly width: number;
  readonly #widthBig: bigint;
  readonly #mask: bigint;
  /** Highest accepted counter, or -1n before the first one. */
  #highest = -1n;
  /** Bit i set ⇔ counter `highest - i` was accepted. */
  #seen = 0n;

  constructor(width: number = DEFAULT_REPLAY_WINDOW) {
    assertReplayWindowWidth(width);
    this.width = width;
    this.#widthBig = BigInt(width);
    this.#mask = (1n << this.#widthBig) - 1n;
  }

  /** The highest accepted counter, or undefined if none yet. */
  get highest(): bigint | undefined {
    return this.#highest < 0n ? undefined : this.#highest;
  }

  /** Classifies `ctr` without changing the window. */
  verdict(ctr: bigint): ReplayVerdict {
    if (ctr > this.#highest) return null;
    const age = this.#highest - ctr;
    if (age >= this.#widthBig) return 'too-old';
    return ((this.#seen >> age) & 1n) === 1n ? 'duplicate' : null;
  }

  /** Throws SFrameError 'replay' if `ctr` is a duplicate or too old. Does not change the window. */
  check(ctr: bigint): void {
    const verdict = this.verdict(ctr);
    if (verdict !== null) {
      throw new SFrameError('replay', `counter ${ctr} rejected: ${verdict} (window ${this.width})`);
    }
  }

  /**
   * Records `ctr` as accepted; call only after the frame authenticated. Re-checks first (another decrypt of
   * the same counter may have completed meanwhile) and throws SFrameError 'replay' if it is no longer fresh.
   */
  accept(ctr: bigint): void {
    this.check(ctr);
    if (ctr > this.#highest) {
      const shift = ctr - this.#highest;
      // A jump of a whole window or more forgets everything; never shift a bigint by a huge amount.
      this.#seen = shift >= this.#widthBig ? 1n : ((this.#seen << shift) | 1n) & this.#mask;
      this.#highest = ctr;
    } else {
      this.#seen |= 1n << (this.#highest - ctr);
    }
  }
}

