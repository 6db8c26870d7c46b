/**
 * Receive-side anti-replay for one KID: a sliding window over CTR values, in the style of SRTP
 * (RFC 3711 §3.3.2), which RFC 9605 §9.3 suggests adapting with the SFrame CTR as the counter.
 *
 * The window remembers the highest accepted CTR and which of the `width` counters at and below it were
 * accepted. A CTR above the highest is fresh; one within the window is fresh unless already accepted;
 * one at or below `highest - width` is too old. Callers `check` before decrypting (cheap early reject)
 * and `accept` only after the frame authenticated, so forged frames never move the window.
 */
import { SFrameError } from './errors';

/** Default window width, in counters. */
export const DEFAULT_REPLAY_WINDOW = 128;
/** Largest accepted window width. */
const MAX_REPLAY_WINDOW = 65_536;

/** Why a counter is refused, or null if it is fresh. */
export type ReplayVerdict = null | 'duplicate' | 'too-old';

/** Validates a window width option: an integer in 1..65536. */
export function assertReplayWindowWidth(width: unknown): asserts width is number {
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || width > MAX_REPLAY_WINDOW) {
    throw new SFrameError('invalid-argument', `replayWindow must be an integer in 1..${MAX_REPLAY_WINDOW}`);
  }
}

/**
 * The window over counters kept as JS numbers (safe integers, < 2^53), for the per-frame path: no bigint work and no
 * allocation per frame (the bigint window of the tests' reference is tests/unit/sframe/support/reference/replay-window.ts). The `width` bits are a ring indexed by counter mod width; moving the highest counter
 * forward clears the bits of the counters it skips. Semantics are those of the module comment above.
 */
export class NumberReplayWindow {
  readonly width: number;
  readonly #bits: Uint32Array;
  #highest = -1;

  constructor(width: number = DEFAULT_REPLAY_WINDOW) {
    assertReplayWindowWidth(width);
    this.width = width;
    this.#bits = new Uint32Array(Math.ceil(width / 32));
  }

  /** Classifies `ctr` (a safe integer ≥ 0) without changing the window. */
  verdict(ctr: number): ReplayVerdict {
    if (ctr > this.#highest) return null;
    if (this.#highest - ctr >= this.width) return 'too-old';
    const slot = ctr % this.width;
    return ((this.#bits[slot >>> 5] as number) >>> (slot & 31)) & 1 ? 'duplicate' : null;
  }

  /** Records `ctr`, which the caller has just checked fresh and authenticated; false if it is no longer fresh. */
  accept(ctr: number): boolean {
    if (this.verdict(ctr) !== null) return false;
    if (ctr > this.#highest) {
      if (ctr - this.#highest >= this.width) this.#bits.fill(0);
      else for (let c = this.#highest + 1; c < ctr; c++) this.#clear(c % this.width);
      this.#highest = ctr;
    }
    const slot = ctr % this.width;
    this.#bits[slot >>> 5] = (this.#bits[slot >>> 5] as number) | (1 << (slot & 31));
    return true;
  }

  #clear(slot: number): void {
    this.#bits[slot >>> 5] = (this.#bits[slot >>> 5] as number) & ~(1 << (slot & 31));
  }
}
