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
 * The constants are the handshake's (src/e2ee/key-validation.ts: p, L and the edwards25519 points of small order,
 * libsodium's `ge25519_has_small_order()` blocklist, compared with the sign bit ignored); this file keeps its own
 * rules only because it names the problem, for the popup, where the handshake throws.
 */
import { littleEndianToBigInt } from '../../shared/bytes';
import { ED25519_SMALL_ORDER_Y, FIELD_PRIME, GROUP_ORDER } from '../../e2ee/key-validation';

type PointProblem = 'length' | 'non-canonical' | 'small-order';

/** Judges a 32-byte Edwards25519 point encoding (a public key, or a signature's R); undefined when fit. */
export function checkPointBytes(encoding: Uint8Array): PointProblem | undefined {
  if (encoding.length !== 32) return 'length';
  const signBit = ((encoding[31] ?? 0) & 0x80) !== 0;
  const y = littleEndianToBigInt(encoding) & ((1n << 255n) - 1n);
  if (y >= FIELD_PRIME) return 'non-canonical';
  // x = 0 exactly when y = ±1; its only encoding has the sign bit clear (RFC 8032 §5.1.3 step 4).
  if (signBit && (y === 1n || y === FIELD_PRIME - 1n)) return 'non-canonical';
  if (ED25519_SMALL_ORDER_Y.includes(y)) return 'small-order';
  return undefined;
}

/** A 64-byte signature R || S with a canonical S and an R fit to verify with; undefined when fit. */
export function checkSignatureBytes(signature: Uint8Array): PointProblem | 'non-canonical-s' | undefined {
  if (signature.length !== 64) return 'length';
  if (littleEndianToBigInt(signature.subarray(32, 64)) >= GROUP_ORDER) return 'non-canonical-s';
  return checkPointBytes(signature.subarray(0, 32));
}
