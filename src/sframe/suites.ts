/**
 * The SFrame cipher suites of RFC 9605 §4.5 (constants, Table 1) and their registry values (§8.1, Table 2).
 */
import { SFrameError } from './errors';

/** Registry values of the cipher suites defined by RFC 9605 §8.1. */
export type CipherSuiteId = 1 | 2 | 3 | 4 | 5;

/** The two AEAD constructions: AES-CTR + HMAC (RFC 9605 §4.5.1) and AES-GCM. */
type AeadKind = 'aes-ctr-hmac' | 'aes-gcm';

/** WebCrypto hash names used by the suites for HKDF and HMAC. */
type HashName = 'SHA-256' | 'SHA-512';

/** Constants of one cipher suite (RFC 9605 §4.4, §4.5 Table 1). All sizes in bytes. */
export interface CipherSuite {
  /** Registry value (RFC 9605 §8.1), encoded as 2 bytes big-endian in the key-derivation labels. */
  readonly id: CipherSuiteId;
  readonly name: string;
  readonly aead: AeadKind;
  /** Hash for HKDF (and HMAC for the CTR suites). */
  readonly hash: HashName;
  /** Hash.Nh: hash output size. */
  readonly nh: number;
  /** AEAD.Nka: AES key size inside the compound AES-CTR + HMAC key; undefined for GCM. */
  readonly nka: number | undefined;
  /** AEAD.Nk: AEAD key size (for the CTR suites, Nka + Nh). */
  readonly nk: number;
  /** AEAD.Nn: nonce size. */
  readonly nn: number;
  /** AEAD.Nt: authentication tag size (ciphertext overhead). */
  readonly nt: number;
}

function suite(
  id: CipherSuiteId,
  name: string,
  aead: AeadKind,
  hash: HashName,
  nh: number,
  nka: number | undefined,
  nk: number,
  nt: number,
): CipherSuite {
  return Object.freeze({ id, name, aead, hash, nh, nka, nk, nn: 12, nt });
}

/** All suites of RFC 9605 §4.5 Table 1, keyed by registry value. */
export const CIPHER_SUITES: Readonly<Record<CipherSuiteId, CipherSuite>> = Object.freeze({
  1: suite(1, 'AES_128_CTR_HMAC_SHA256_80', 'aes-ctr-hmac', 'SHA-256', 32, 16, 48, 10),
  2: suite(2, 'AES_128_CTR_HMAC_SHA256_64', 'aes-ctr-hmac', 'SHA-256', 32, 16, 48, 8),
  3: suite(3, 'AES_128_CTR_HMAC_SHA256_32', 'aes-ctr-hmac', 'SHA-256', 32, 16, 48, 4),
  4: suite(4, 'AES_128_GCM_SHA256_128', 'aes-gcm', 'SHA-256', 32, undefined, 16, 16),
  5: suite(5, 'AES_256_GCM_SHA512_128', 'aes-gcm', 'SHA-512', 64, undefined, 32, 16),
});

/** True if `id` is the registry value of a suite implemented here. */
function isCipherSuiteId(id: unknown): id is CipherSuiteId {
  return id === 1 || id === 2 || id === 3 || id === 4 || id === 5;
}

/**
 * Looks up a suite by registry value (RFC 9605 §8.1), or passes a known suite object through.
 * Throws SFrameError 'invalid-argument' for anything else (reserved, private-use, unknown values).
 */
export function cipherSuite(id: CipherSuiteId | CipherSuite | number): CipherSuite {
  const value = typeof id === 'object' && id !== null ? (id as { id?: unknown }).id : id;
  if (!isCipherSuiteId(value)) {
    throw new SFrameError('invalid-argument', `unknown SFrame cipher suite ${String(value)}`);
  }
  return CIPHER_SUITES[value];
}
