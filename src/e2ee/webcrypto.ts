/**
 * The thin layer over `globalThis.crypto.subtle` that the rest of the folder uses (the primitives of protocol.md §5).
 *
 * Why: this code runs in a dedicated Worker (Chromium) and in Node 20 (tests); both expose the same WebCrypto,
 * including X25519, Ed25519, HKDF, SHA-256 and AES-GCM, so no primitive is implemented here by hand. What this layer
 * adds is error discipline: a missing algorithm or a WebCrypto rejection becomes a named `E2eeError` instead of a
 * DOMException surfacing from deep inside, and every input is copied into its own ArrayBuffer first.
 */
import { concatBytes, copyBytes } from '../shared/bytes';
import { E2eeError } from './errors';
import type { E2eeErrorCode } from './errors';

/** The runtime's SubtleCrypto, or 'crypto-unavailable'. */
export function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (s === undefined) throw new E2eeError('crypto-unavailable', 'WebCrypto (crypto.subtle) is not available');
  return s;
}

/**
 * Runs one WebCrypto operation; a rejection becomes an E2eeError. NotSupportedError (algorithm missing) is
 * 'crypto-unavailable', anything else is `code`. E2eeErrors pass through untouched.
 */
export async function cryptoCall<T>(what: string, code: E2eeErrorCode, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (error instanceof E2eeError) throw error;
    const name = error instanceof Error ? error.name : 'unknown';
    if (name === 'NotSupportedError') {
      throw new E2eeError('crypto-unavailable', `${what}: not supported by this runtime`, { cause: error });
    }
    throw new E2eeError(code, `${what} failed (${name})`, { cause: error });
  }
}

/** SHA-256 of the concatenation of `parts`. */
export async function sha256(...parts: readonly Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
  const input = concatBytes(...parts);
  const digest = await cryptoCall('SHA-256', 'crypto-unavailable', () => subtle().digest('SHA-256', input));
  return new Uint8Array(digest);
}

/** Imports secret bytes as a non-extractable HKDF base key. */
export async function importHkdfKey(
  secret: Uint8Array,
  usages: KeyUsage[] = ['deriveBits'],
): Promise<CryptoKey> {
  const raw = copyBytes(secret);
  try {
    return await cryptoCall('HKDF import', 'crypto-unavailable', () => subtle().importKey('raw', raw, 'HKDF', false, usages));
  } finally {
    raw.fill(0);
  }
}

/** HKDF-SHA256(key, salt, info) -> `lengthBytes` bytes. */
export async function hkdfSha256(
  key: CryptoKey,
  salt: Uint8Array,
  info: Uint8Array,
  lengthBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const params: HkdfParams = { name: 'HKDF', hash: 'SHA-256', salt: copyBytes(salt), info: copyBytes(info) };
  const bits = await cryptoCall('HKDF', 'crypto-unavailable', () => subtle().deriveBits(params, key, lengthBytes * 8));
  return new Uint8Array(bits);
}

/** Imports 32 raw bytes as an X25519 public key (for deriveBits). */
export async function importX25519PublicKey(raw: Uint8Array): Promise<CryptoKey> {
  return cryptoCall('X25519 import', 'weak-key', () =>
    subtle().importKey('raw', copyBytes(raw), { name: 'X25519' }, false, []),
  );
}

/** AES-GCM with a 12-byte nonce and a 128-bit tag; a failed decryption is `failure`. */
export async function aesGcm(
  direction: 'encrypt' | 'decrypt',
  key: CryptoKey,
  nonce: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  failure: E2eeErrorCode,
): Promise<Uint8Array<ArrayBuffer>> {
  const params: AesGcmParams = {
    name: 'AES-GCM',
    iv: copyBytes(nonce),
    additionalData: copyBytes(aad),
    tagLength: 128,
  };
  const input = copyBytes(data);
  const out = await cryptoCall(`AES-GCM ${direction}`, failure, () =>
    direction === 'encrypt' ? subtle().encrypt(params, key, input) : subtle().decrypt(params, key, input),
  );
  return new Uint8Array(out);
}
