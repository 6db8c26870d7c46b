/**
 * SFrame errors: every way an input can be wrong surfaces as one typed `SFrameError` with a stable `code`,
 * never as a stray TypeError/RangeError/DOMException from deep inside WebCrypto.
 *
 * Messages never contain key material or media bytes (only lengths, KIDs, counters and suite ids).
 */

/** Stable machine-readable reasons. */
export type SFrameErrorCode =
  /**
   * The frame ends inside its header (RFC 9605 §4.3): it is empty, or shorter than the KID and CTR fields its
   * config byte declares (KLEN/CLEN).
   */
  | 'truncated-header'
  /** A KID or CTR outside 0..2^64-1 (or a CTR too large for the nonce) was given to the encoder. */
  | 'length-overflow'
  /** After the header there are fewer bytes than the suite's authentication tag (Nt, RFC 9605 §4.5). */
  | 'truncated-ciphertext'
  /** No key is known for the frame's KID (RFC 9605 §4.4.4), or it was removed while the frame was in flight. */
  | 'unknown-kid'
  /** The AEAD tag did not verify: the header, metadata, ciphertext or tag was altered, or the key is wrong. */
  | 'authentication-failed'
  /** The counter was already accepted for this KID, or is older than the replay window (RFC 9605 §9.3, §7.4). */
  | 'replay'
  /** Wrong argument type, wrong key/nonce/salt length, unknown cipher suite, bad option. */
  | 'invalid-argument'
  /** The sender has used every counter value its nonce can carry; a new key (and KID) is needed. */
  | 'counter-exhausted'
  /** No WebCrypto `crypto.subtle` in this global scope (e.g. a non-secure context). */
  | 'crypto-unavailable';

/** The single error type thrown by the SFrame core. */
export class SFrameError extends Error {
  readonly code: SFrameErrorCode;

  constructor(code: SFrameErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SFrameError';
    this.code = code;
  }
}

/** Narrows `e` to an SFrameError, optionally with a given code. */
export function isSFrameError(e: unknown, code?: SFrameErrorCode): e is SFrameError {
  return e instanceof SFrameError && (code === undefined || e.code === code);
}
