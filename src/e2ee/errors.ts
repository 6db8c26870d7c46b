/**
 * Errors of the in-band key agreement, as values with names.
 *
 * Why: everything in this folder handles bytes chosen by the adversary (the call infrastructure sees, alters,
 * drops and replays every frame). Callers must be able to tell "the peer's hello was forged" from "the frame is
 * garbage" from "this is a bug in our own call", without parsing messages and without a stray TypeError leaking
 * from deep inside a decoder. So every failure this module raises is an `E2eeError` with a stable `code`.
 * Messages never contain key material.
 */

/** Every reason an e2ee operation can fail. Stable strings: the worker reports them in status messages. */
export type E2eeErrorCode =
  /** A caller passed a value of the wrong type, length or range (a bug on our side, not the peer's). */
  | 'invalid-argument'
  /** A hello has the wrong length or inconsistent fields. */
  | 'malformed-hello'
  /** A hello (or hello body) carries a version this code does not speak. */
  | 'unsupported-version'
  /** A hello names an SFrame cipher suite we do not use. */
  | 'unsupported-suite'
  /** An Ed25519 signature did not verify (or the signer returned something that is not one). */
  | 'bad-signature'
  /** The background was asked to sign a hello body that carries someone else's identity key. */
  | 'identity-mismatch'
  /** The X25519 exchange produced the all-zero secret (low-order point), or WebCrypto refused the point. */
  | 'weak-key'
  /** A hello of our own came back to us (identity and session, or ephemeral key, equal to ours). */
  | 'reflected-hello'
  /** A hello from a peer session that was already superseded, or a second different hello for one session. */
  | 'replayed-hello'
  /** A frame carries the CallSeal magic but its trailer is inconsistent. */
  | 'malformed-frame'
  /** The runtime lacks WebCrypto or one of the algorithms we need (X25519, Ed25519, HKDF, SHA-256). */
  | 'crypto-unavailable'
  /** The background could not sign our hello. */
  | 'sign-failed';

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
