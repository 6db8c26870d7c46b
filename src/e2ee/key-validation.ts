/**
 * Strict checks on every public key and curve point that comes from the wire (protocol.md §4.4, §8.4).
 *
 * Why: WebCrypto's X25519 and Ed25519 are correct but lenient in ways that matter here. Node's Ed25519 verify (and
 * any cofactorless verifier) accepts, under the identity point `01 00…00` as the public key, the signature
 * R = `01 00…00`, S = 0 for every message; a small-order ephemeral key makes the shared secret predictable. So the
 * bytes are checked before WebCrypto sees them, the way libsodium does in `crypto_sign_verify_detached` and
 * `crypto_scalarmult` — the same checks whatever runtime runs them.
 *
 * Sources of the constants (read, not copied; the checks below are written over BigInt, not libsodium's
 * constant-time loops — every value checked here is public):
 * - X25519 points of small order: libsodium `src/libsodium/crypto_scalarmult/curve25519/ref10/x25519_ref10.c`,
 *   `has_small_order()`'s blocklist (github.com/jedisct1/libsodium, commit 7014b204): 0, 1, p − 1 and the two
 *   u-coordinates of order 8 (its other entries, p and p + 1, are non-canonical and refused as such here).
 * - Ed25519 points of small order: libsodium `src/libsodium/crypto_core/ed25519/ref10/ed25519_ref10.c`,
 *   `ge25519_has_small_order(const unsigned char s[32])`'s blocklist as of commit 0f767c7d^ (2022; libsodium now
 *   computes the same predicate on the decoded point): y ∈ {0, 1, p − 1} and the two y of order 8, compared
 *   with the sign bit ignored. With the sign bit those are the eight points of order 1, 2, 4 and 8.
 * - Canonical encodings: `ge25519_is_canonical()` (same file: y < p) and RFC 8032 §5.1.3 step 4 (x = 0 with the
 *   sign bit set fails decoding); S < L: `sc25519_is_canonical()` and RFC 8032 §5.1.7.
 * The unit test tests/unit/e2ee/key-validation.test.ts re-derives each entry with Node's own X25519 and Ed25519.
 */
import { littleEndianToBigInt } from '../shared/bytes';
import { requireBytes } from './bytes';
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, X25519_PUBLIC_KEY_LENGTH } from './constants';
import { E2eeError } from './errors';

/** p = 2^255 − 19, the field of Curve25519 and edwards25519. */
export const FIELD_PRIME = (1n << 255n) - 19n;
/** L = 2^252 + 27742317777372353535851937790883648493, the order of the prime-order subgroup. */
export const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

const fromLittleEndianHex = (hex: string): bigint =>
  littleEndianToBigInt(Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16)));

/** X25519 u-coordinates of small order (canonical ones; see the header). */
export const X25519_SMALL_ORDER_U: readonly bigint[] = [
  0n,
  1n,
  fromLittleEndianHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
  fromLittleEndianHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'),
  FIELD_PRIME - 1n,
];

/** edwards25519 y-coordinates of the points of small order (see the header). */
export const ED25519_SMALL_ORDER_Y: readonly bigint[] = [
  0n,
  1n,
  fromLittleEndianHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
  fromLittleEndianHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
  FIELD_PRIME - 1n,
];

function weak(why: string): E2eeError {
  return new E2eeError('weak-key', why);
}

/**
 * An ephemeral X25519 public key from a REVEAL (§4.4): canonical (top bit clear, u < p) and not of small order.
 * Throws 'weak-key'. (The all-zero shared secret is refused separately, after the exchange: key-schedule.ts.)
 */
export function checkX25519PublicKey(publicKey: Uint8Array): void {
  requireBytes(publicKey, 'X25519 public key', X25519_PUBLIC_KEY_LENGTH);
  if (((publicKey[31] ?? 0) & 0x80) !== 0) throw weak('X25519 key has its top bit set');
  const u = littleEndianToBigInt(publicKey);
  if (u >= FIELD_PRIME) throw weak('X25519 key is not canonical');
  if (X25519_SMALL_ORDER_U.includes(u)) throw weak('X25519 key is of small order');
}

/** An edwards25519 point encoding (a public key, or a signature's R): canonical and not of small order. */
function checkEdwardsPoint(encoding: Uint8Array, what: string): void {
  const signBit = ((encoding[31] ?? 0) & 0x80) !== 0;
  const y = littleEndianToBigInt(encoding) & ((1n << 255n) - 1n);
  if (y >= FIELD_PRIME) throw weak(`${what} is not canonical (y >= p)`);
  // x = 0 exactly when y = ±1; its only encoding has the sign bit clear (RFC 8032 §5.1.3).
  if (signBit && (y === 1n || y === FIELD_PRIME - 1n)) throw weak(`${what} is not canonical (x = 0, sign set)`);
  if (ED25519_SMALL_ORDER_Y.includes(y)) throw weak(`${what} is of small order`);
}

/** An Ed25519 identity public key from a CONFIRM (§4.4). Throws 'weak-key'. */
export function checkEd25519PublicKey(publicKey: Uint8Array): void {
  requireBytes(publicKey, 'Ed25519 public key', ED25519_PUBLIC_KEY_LENGTH);
  checkEdwardsPoint(publicKey, 'Ed25519 public key');
}

/**
 * An Ed25519 signature's own checks (§4.4): S canonical ('bad-signature' otherwise) and R not of small order
 * ('weak-key'). R must also be canonical: a non-canonical R never equals the encoding a verifier recomputes.
 */
export function checkEd25519Signature(signature: Uint8Array): void {
  requireBytes(signature, 'Ed25519 signature', ED25519_SIGNATURE_LENGTH);
  const s = littleEndianToBigInt(signature.subarray(32, 64));
  if (s >= GROUP_ORDER) throw new E2eeError('bad-signature', 'signature S is not canonical (S >= L)');
  checkEdwardsPoint(signature.subarray(0, 32), 'signature R');
}
