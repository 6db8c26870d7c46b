/**
 * The RFC's own per-frame functions (RFC 9605 §4.4.3 encryption, §4.4.4 decryption), over bigint KIDs and CTRs with
 * every argument checked — the tests' reference, not production code: the worker uses src/sframe/hot-path.ts, which
 * tests/unit/sframe/hot-path.test.ts checks against the same RFC vectors and against these functions.
 *
 * ```text
 * nonce      = sframe_salt XOR encode_big_endian(CTR, AEAD.Nn)
 * aad        = header + metadata
 * ciphertext = header + AEAD.Encrypt(sframe_key, nonce, aad, plaintext)
 * ```
 *
 * No counter management and no replay protection here: `SFrameSender` / `SFrameReceiver` (context.ts) add those.
 */
import { SFrameError } from '../../../../../src/sframe/errors';
import { concatBytes, writeBigEndian } from '../../../../../src/shared/bytes';
import { MAX_UINT64, assertBytes, assertUint64 } from '../../../../../src/sframe/bytes';
import type { SFrameHeader } from '../../../../../src/sframe/header';
import { decodeHeader } from '../../../../../src/sframe/header';
import { keyStateOf, type SFrameKeys } from '../../../../../src/sframe/keys';
import type { CipherSuite } from '../../../../../src/sframe/suites';
import { headerLength, writeHeader } from './header';

/** A shared empty array (never written to). */
export const EMPTY_BYTES: Uint8Array<ArrayBuffer> = new Uint8Array(0);

/** A decrypted SFrame ciphertext. */
export interface DecryptedFrame {
  readonly kid: bigint;
  readonly ctr: bigint;
  readonly plaintext: Uint8Array<ArrayBuffer>;
}

/**
 * The largest CTR usable with `suite`: the nonce is salt XOR CTR in Nn bytes (RFC 9605 §4.4.3), so CTR must
 * fit in Nn bytes, and the header carries at most 2^64-1 (§4.3). For every suite of §4.5 (Nn = 12) this is
 * 2^64-1.
 */
export function maxCounter(suite: CipherSuite): bigint {
  const nonceMax = (1n << BigInt(8 * suite.nn)) - 1n;
  return nonceMax < MAX_UINT64 ? nonceMax : MAX_UINT64;
}

/** RFC 9605 §4.4.3: salt XOR CTR, with CTR big-endian and left-padded to the salt's length (AEAD.Nn). */
export function sframeNonce(salt: Uint8Array, ctr: bigint): Uint8Array<ArrayBuffer> {
  assertBytes(salt, 'salt');
  assertUint64(ctr, 'ctr');
  if (salt.length < 8) {
    throw new SFrameError('invalid-argument', `salt must be at least 8 bytes, got ${salt.length}`);
  }
  const nonce = new Uint8Array(salt.length);
  writeBigEndian(nonce, salt.length - 8, 8, ctr);
  for (let i = 0; i < nonce.length; i += 1) nonce[i] = (nonce[i] ?? 0) ^ (salt[i] ?? 0);
  return nonce;
}

/** RFC 9605 §4.4.3: aad = header + metadata. */
export function sframeAad(header: Uint8Array, metadata: Uint8Array): Uint8Array<ArrayBuffer> {
  assertBytes(header, 'header');
  assertBytes(metadata, 'metadata');
  return concatBytes(header, metadata);
}

/**
 * Encrypts one plaintext with an explicit CTR (RFC 9605 §4.4.3) and returns header || ciphertext || tag.
 * The caller guarantees that (keys, ctr) is never used twice (§9.1); `SFrameSender` does that for you.
 * Throws SFrameError 'invalid-argument' (types, KID not matching the keys), 'length-overflow' (CTR range).
 */
export async function sframeEncrypt(
  keys: SFrameKeys,
  kid: bigint,
  ctr: bigint,
  metadata: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const { aead, salt } = keyStateOf(keys);
  assertUint64(kid, 'kid');
  assertUint64(ctr, 'ctr');
  assertBytes(metadata, 'metadata');
  assertBytes(plaintext, 'plaintext');
  if (kid !== keys.kid) {
    throw new SFrameError('invalid-argument', `kid ${kid} does not match the keys' kid ${keys.kid}`);
  }
  if (ctr > maxCounter(keys.suite)) {
    throw new SFrameError('length-overflow', `ctr does not fit the ${keys.suite.nn}-byte nonce`);
  }
  const hlen = headerLength(kid, ctr);
  const aad = new Uint8Array(hlen + metadata.length);
  writeHeader(aad, 0, kid, ctr);
  aad.set(metadata, hlen);
  const sealed = await aead.encrypt(sframeNonce(salt, ctr), aad, plaintext);
  const out = new Uint8Array(hlen + sealed.length);
  out.set(aad.subarray(0, hlen), 0);
  out.set(sealed, hlen);
  return out;
}

/**
 * Decrypts a frame whose header was already decoded, with the keys for its KID (RFC 9605 §4.4.4).
 * Throws SFrameError 'truncated-ciphertext' or 'authentication-failed'.
 */
export async function openFrame(
  keys: SFrameKeys,
  frame: Uint8Array,
  header: SFrameHeader,
  metadata: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const { aead, salt } = keyStateOf(keys);
  const ciphertext = frame.subarray(header.headerLength);
  if (ciphertext.length < keys.suite.nt) {
    throw new SFrameError(
      'truncated-ciphertext',
      `${ciphertext.length} bytes after the header, fewer than the ${keys.suite.nt}-byte tag`,
    );
  }
  if (header.ctr > maxCounter(keys.suite)) {
    // Unreachable for the suites of §4.5 (Nn = 12); no sender can have produced such a frame.
    throw new SFrameError('authentication-failed', 'ctr does not fit the nonce');
  }
  const aad = concatBytes(frame.subarray(0, header.headerLength), metadata);
  return aead.decrypt(sframeNonce(salt, header.ctr), aad, ciphertext);
}

/**
 * Decrypts header || ciphertext || tag with the keys of its KID (RFC 9605 §4.4.4), without replay checks.
 * Throws SFrameError: 'truncated-header' (header), 'unknown-kid' (header KID is not
 * `keys.kid`), 'truncated-ciphertext', 'authentication-failed', 'invalid-argument' (types).
 */
export async function sframeDecrypt(
  keys: SFrameKeys,
  frame: Uint8Array,
  metadata: Uint8Array = EMPTY_BYTES,
): Promise<DecryptedFrame> {
  keyStateOf(keys);
  assertBytes(frame, 'frame');
  assertBytes(metadata, 'metadata');
  const header = decodeHeader(frame);
  if (header.kid !== keys.kid) {
    throw new SFrameError('unknown-kid', `frame kid ${header.kid} does not match the keys' kid ${keys.kid}`);
  }
  const plaintext = await openFrame(keys, frame, header, metadata);
  return { kid: header.kid, ctr: header.ctr, plaintext };
}
