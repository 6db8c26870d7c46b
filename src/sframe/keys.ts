/**
 * The keys for one KID (RFC 9605 §4.4.2): sframe_key imported once as a non-extractable CryptoKey, and sframe_salt.
 * The per-frame work with them is hot-path.ts (§4.4.3, §4.4.4); the RFC's own per-frame functions, as a bigint
 * reference for the tests, are in tests/unit/sframe/support/reference/.
 */
import { SFrameError } from './errors';
import { assertUint64 } from './bytes';
import type { Aead } from './aead';
import { importAead } from './aead';
import { deriveKeyMaterial } from './key-derivation';
import type { CipherSuite, CipherSuiteId } from './suites';
import { cipherSuite } from './suites';

/** What an `SFrameKeys` holds, kept out of reach of code outside this module. */
interface KeyState {
  readonly aead: Aead;
  /** sframe_salt, AEAD.Nn bytes. */
  readonly salt: Uint8Array<ArrayBuffer>;
}

const KEY_STATE = new WeakMap<SFrameKeys, KeyState>();

/**
 * The key and salt for one KID (RFC 9605 §4.4.2), sframe_key imported once as a non-extractable CryptoKey.
 * Opaque: only the suite and KID are visible.
 */
export class SFrameKeys {
  readonly suite: CipherSuite;
  readonly kid: bigint;

  private constructor(suite: CipherSuite, kid: bigint, state: KeyState) {
    this.suite = suite;
    this.kid = kid;
    KEY_STATE.set(this, state);
    Object.freeze(this);
  }

  /**
   * Derives sframe_key / sframe_salt for (KID, base_key) (RFC 9605 §4.4.2) and imports the key.
   * Throws SFrameError 'invalid-argument' (suite, base_key) or 'length-overflow' (KID).
   */
  static async derive(suite: CipherSuite | CipherSuiteId, kid: bigint, baseKey: Uint8Array): Promise<SFrameKeys> {
    const s = cipherSuite(suite);
    assertUint64(kid, 'kid');
    const material = await deriveKeyMaterial(s, kid, baseKey);
    try {
      return new SFrameKeys(s, kid, { aead: await importAead(s, material.key), salt: material.salt });
    } finally {
      material.key.fill(0); // the CryptoKey holds its own copy
    }
  }
}

/**
 * The imported key and salt of `keys`, for the per-frame path (hot-path.ts) and the tests' reference; not exported
 * by index.ts. Throws SFrameError 'invalid-argument' for anything not made by `deriveSFrameKeys`.
 */
export function keyStateOf(keys: SFrameKeys): { readonly aead: Aead; readonly salt: Uint8Array } {
  return stateOf(keys);
}

function stateOf(keys: unknown): KeyState {
  const state = keys instanceof SFrameKeys ? KEY_STATE.get(keys) : undefined;
  if (state === undefined) {
    throw new SFrameError('invalid-argument', 'keys must come from deriveSFrameKeys');
  }
  return state;
}

/** Derives the keys for one KID; see `SFrameKeys.derive`. */
export function deriveSFrameKeys(
  suite: CipherSuite | CipherSuiteId,
  kid: bigint,
  baseKey: Uint8Array,
): Promise<SFrameKeys> {
  return SFrameKeys.derive(suite, kid, baseKey);
}

