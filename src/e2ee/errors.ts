/**
 * Errors of the in-band key agreement, as values with names.
 *
 * Why: everything in this folder handles bytes chosen by the adversary (the call infrastructure sees, alters,
 * drops and replays every frame). Callers must be able to tell "the peer's CONFIRM was forged" from "the packet is
 * garbage" from "this is a bug in our own call", without parsing messages and without a stray TypeError or
 * RangeError leaking from deep inside a decoder. So every failure this module raises is an `E2eeError` with a
 * stable `code`. Messages never contain key material or media bytes.
 */

/** Every reason an e2ee operation can fail. Stable strings: the session counts them. */
export type E2eeErrorCode =
  /** A caller passed a value of the wrong type, length or range (a bug on our side, not the peer's). */
  | 'invalid-argument'
  /** A handshake packet or one of its known records has the wrong length or inconsistent fields (§4). */
  | 'malformed-packet'
  /** A packet of a protocol version this code does not speak (§4.1). */
  | 'unsupported-version'
  /** A COMMIT names an SFrame cipher suite we do not use. */
  | 'unsupported-suite'
  /** A public key or curve point failed §4.4: non-canonical, of small order, or an all-zero shared secret. */
  | 'weak-key'
  /** An Ed25519 signature did not verify, or its S is not canonical (§4.4). */
  | 'bad-signature'
  /** A CONFIRM carries our own identity key (§4.4). */
  | 'own-identity'
  /** A REVEAL does not open the COMMIT received for the pair (§6.1). */
  | 'bad-commitment'
  /** A CONFIRM does not decrypt under the pair's keys, or its plaintext is malformed (§4). */
  | 'bad-confirm'
  /** A frame carries the CallSeal magic but its trailer is inconsistent (§2). */
  | 'malformed-frame'
  /** The runtime lacks WebCrypto or one of the algorithms we need (X25519, Ed25519, HKDF, SHA-256, AES-GCM). */
  | 'crypto-unavailable'
  /** The background could not sign (refused, timed out, or the extension went away). */
  | 'sign-failed'
  /** A group record (§11.4) does not open or verify under the pair's keys, or its plaintext is malformed. */
  | 'bad-group-record';

export class E2eeError extends Error {
  override readonly name = 'E2eeError';
  readonly code: E2eeErrorCode;

  constructor(code: E2eeErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** True for an E2eeError, optionally of one specific code. */
export function isE2eeError(value: unknown, code?: E2eeErrorCode): value is E2eeError {
  return value instanceof E2eeError && (code === undefined || value.code === code);
}
