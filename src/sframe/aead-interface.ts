/**
 * The AEAD contract shared by both SFrame constructions (RFC 9605 §4.4, §4.5): the `Aead` interface and
 * the validation every implementation applies to its inputs before touching WebCrypto.
 *
 * Following RFC 5116 and RFC 9605 §4.4, the tag is part of the ciphertext: `encrypt` returns
 * ciphertext || tag and `decrypt` takes the same.
 */
import { SFrameError } from './errors';
import { assertBytes } from './bytes';
import type { CipherSuite } from './suites';

/** An AEAD bound to one imported key (RFC 9605 §4.4: AEAD.Encrypt / AEAD.Decrypt). */
export interface Aead {
  readonly suite: CipherSuite;
  /** AEAD.Encrypt(key, nonce, aad, plaintext) → ciphertext || tag. */
  encrypt(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * AEAD.Decrypt(key, nonce, aad, ciphertext || tag) → plaintext.
   * Throws SFrameError 'truncated-ciphertext' if shorter than the tag, 'authentication-failed' if the tag
   * does not verify.
   */
  decrypt(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * The per-frame path (hot-path.ts): the same as `encrypt`, without argument checks, returning WebCrypto's own
   * buffer. The caller passes views over non-shared ArrayBuffers of the right lengths; WebCrypto copies them before
   * this returns, so the caller may reuse them at once.
   */
  sealRaw(nonce: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  /** The same as `decrypt`, likewise (ciphertext at least Nt bytes); rejects with SFrameError 'authentication-failed'. */
  openRaw(nonce: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>, ciphertext: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

/** Validates the per-call AEAD inputs (shared by both constructions). */
export function assertAeadInputs(
  suite: CipherSuite,
  nonce: unknown,
  aad: unknown,
  data: unknown,
  dataName: 'plaintext' | 'ciphertext',
): asserts data is Uint8Array {
  assertBytes(nonce, 'nonce', suite.nn);
  assertBytes(aad, 'aad');
  assertBytes(data, dataName);
  if (dataName === 'ciphertext' && data.length < suite.nt) {
    throw new SFrameError(
      'truncated-ciphertext',
      `ciphertext has ${data.length} bytes, fewer than the ${suite.nt}-byte tag of suite ${suite.id}`,
    );
  }
}

/** True if a WebCrypto failure is the "operation failed" of a tag mismatch. */
export function isOperationError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'OperationError';
}
