/**
 * SFrame key and salt derivation from a base_key (RFC 9605 §4.4.2), with WebCrypto HKDF:
 *
 * ```text
 * sframe_secret     = HKDF-Extract("", base_key)
 * sframe_key_label  = "SFrame 1.0 Secret key "  + KID (8 bytes BE) + cipher_suite (2 bytes BE)
 * sframe_salt_label = "SFrame 1.0 Secret salt " + KID (8 bytes BE) + cipher_suite (2 bytes BE)
 * sframe_key        = HKDF-Expand(sframe_secret, sframe_key_label,  AEAD.Nk)
 * sframe_salt       = HKDF-Expand(sframe_secret, sframe_salt_label, AEAD.Nn)
 * ```
 *
 * WebCrypto's HKDF performs Extract then Expand in one `deriveBits` call, with the suite's hash.
 */
import { SFrameError } from './errors';
import { bufferSource, concatBytes, encodeBigEndian } from '../shared/bytes';
import { assertBytes, assertUint64, subtle } from './bytes';
import type { CipherSuite } from './suites';

/** Shortest accepted base_key. RFC 9605 does not fix a length; 128 bits is the weakest suite's strength. */
const MIN_BASE_KEY_LENGTH = 16;

const KEY_LABEL_PREFIX = new TextEncoder().encode('SFrame 1.0 Secret key ');
const SALT_LABEL_PREFIX = new TextEncoder().encode('SFrame 1.0 Secret salt ');

function label(prefix: Uint8Array, suite: CipherSuite, kid: bigint): Uint8Array<ArrayBuffer> {
  assertUint64(kid, 'kid');
  // RFC 9605 §4.4.2: KID as an 8-byte big-endian integer (not the header's compact form),
  // cipher_suite as a 2-byte big-endian integer.
  return concatBytes(prefix, encodeBigEndian(kid, 8), encodeBigEndian(BigInt(suite.id), 2));
}

/** The HKDF info for sframe_key (RFC 9605 §4.4.2). */
export function sframeKeyLabel(suite: CipherSuite, kid: bigint): Uint8Array<ArrayBuffer> {
  return label(KEY_LABEL_PREFIX, suite, kid);
}

/** The HKDF info for sframe_salt (RFC 9605 §4.4.2). */
export function sframeSaltLabel(suite: CipherSuite, kid: bigint): Uint8Array<ArrayBuffer> {
  return label(SALT_LABEL_PREFIX, suite, kid);
}

/** Raw output of the derivation. Callers import the key and then wipe it (`key.fill(0)`). */
interface SFrameKeyMaterial {
  /** sframe_key, AEAD.Nk bytes. */
  readonly key: Uint8Array<ArrayBuffer>;
  /** sframe_salt, AEAD.Nn bytes. */
  readonly salt: Uint8Array<ArrayBuffer>;
}

/**
 * Derives sframe_key and sframe_salt for (KID, base_key) under `suite` (RFC 9605 §4.4.2).
 * Throws SFrameError 'invalid-argument' for a non-Uint8Array or shorter-than-16-byte base_key,
 * 'length-overflow' for a KID outside 0..2^64-1.
 */
export async function deriveKeyMaterial(
  suite: CipherSuite,
  kid: bigint,
  baseKey: Uint8Array,
): Promise<SFrameKeyMaterial> {
  assertBytes(baseKey, 'baseKey');
  if (baseKey.length < MIN_BASE_KEY_LENGTH) {
    throw new SFrameError('invalid-argument', `baseKey must be at least ${MIN_BASE_KEY_LENGTH} bytes`);
  }
  const keyInfo = sframeKeyLabel(suite, kid);
  const saltInfo = sframeSaltLabel(suite, kid);
  const s = subtle();
  try {
    const secret = await s.importKey('raw', bufferSource(baseKey), 'HKDF', false, ['deriveBits']);
    // RFC 9605 §4.4.2: HKDF-Extract with an empty salt.
    const params = { name: 'HKDF', hash: suite.hash, salt: new Uint8Array(0) };
    const [key, salt] = await Promise.all([
      s.deriveBits({ ...params, info: keyInfo }, secret, suite.nk * 8),
      s.deriveBits({ ...params, info: saltInfo }, secret, suite.nn * 8),
    ]);
    return { key: new Uint8Array(key), salt: new Uint8Array(salt) };
  } catch (e) {
    throw new SFrameError('invalid-argument', `HKDF key derivation failed for suite ${suite.id}`, { cause: e });
  }
}
