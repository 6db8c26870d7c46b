/**
 * Checks on the bytes of the tenant's pinned Ed25519 key and of each policy signature (docs/admin.md §3.2), before
 * WebCrypto sees them: canonical encodings (y < p; x = 0 only with a clear sign bit), no point of small order, and
 * a canonical S (S < L). WebCrypto's Ed25519 may be lenient — a cofactorless verifier accepts, under the identity
 * point as the key, the signature R = identity, S = 0 for every message — so these rules are enforced here, the
 * same whatever runtime runs them, the way libsodium's `crypto_sign_verify_detached` does.
 *
 * Only comparisons on the bytes: no curve arithmetic is done here (the project's rule is WebCrypto only, never
 * hand-rolled primitives). Hence no prime-order-subgroup check — it needs a scalar multiplication — and no
 * "is this a point at all" check (it needs a square root): a key that is not on the curve verifies nothing, so every
 * document is refused as `bad-signature`. Both are acceptable for this key because it comes from the admin's own
 * managed policy, not from an attacker (docs/admin.md §3.2).
 *
 * TODO: src/e2ee/key-validation.ts (handshake v2, now merged) checks Ed25519 keys and signatures with the same rules
 * and the same constants, but throws E2eeError and names no problem the popup could show; this file should become a
 * thin use of it (one shared blocklist) once it returns the problem instead of throwing.
 *
 * Constants, as in that file: p = 2^255 − 19; L = 2^252 + 27742317777372353535851937790883648493; the y-coordinates
 * of the eight points of order 1, 2, 4 and 8 are 0, 1, p − 1 and the two below (libsodium's
 * `ge25519_has_small_order()` blocklist, compared with the sign bit ignored). The unit test re-derives them.
 */

/** p = 2^255 − 19. */
export const FIELD_PRIME = (1n << 255n) - 19n;
/** L, the order of the prime-order subgroup. */
export const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

export function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

const fromLittleEndianHex = (hex: string): bigint =>
  littleEndianToBigInt(Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16)));

/** The y-coordinates of the points of small order. */
export const SMALL_ORDER_Y: readonly bigint[] = [
  0n,
  1n,
  fromLittleEndianHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
  fromLittleEndianHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
  FIELD_PRIME - 1n,
];

export type PointProblem = 'length' | 'non-canonical' | 'small-order';

/** Judges a 32-byte Edwards25519 point encoding (a public key, or a signature's R); undefined when fit. */
export function checkPointBytes(encoding: Uint8Array): PointProblem | undefined {
  if (encoding.length !== 32) return 'length';
  const signBit = ((encoding[31] ?? 0) & 0x80) !== 0;
  const y = littleEndianToBigInt(encoding) & ((1n << 255n) - 1n);
  if (y >= FIELD_PRIME) return 'non-canonical';
  // x = 0 exactly when y = ±1; its only encoding has the sign bit clear (RFC 8032 §5.1.3 step 4).
  if (signBit && (y === 1n || y === FIELD_PRIME - 1n)) return 'non-canonical';
  if (SMALL_ORDER_Y.includes(y)) return 'small-order';
  return undefined;
}

/** A 64-byte signature R || S with a canonical S and an R fit to verify with; undefined when fit. */
export function checkSignatureBytes(signature: Uint8Array): PointProblem | 'non-canonical-s' | undefined {
  if (signature.length !== 64) return 'length';
  if (littleEndianToBigInt(signature.subarray(32, 64)) >= GROUP_ORDER) return 'non-canonical-s';
  return checkPointBytes(signature.subarray(0, 32));
}
