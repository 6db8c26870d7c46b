/**
 * AES-GCM for the GCM cipher suites (RFC 9605 §4.5: AES_128_GCM_SHA256_128 and AES_256_GCM_SHA512_128),
 * via WebCrypto AES-GCM with a 128-bit tag appended to the ciphertext.
 */
import { SFrameError } from './errors';
import { bufferSource } from '../shared/bytes';
import { subtle } from './bytes';
import type { Aead } from './aead-interface';
import { assertAeadInputs, isOperationError } from './aead-interface';
import type { CipherSuite } from './suites';

class AesGcmAead implements Aead {
  readonly suite: CipherSuite;
  readonly #key: CryptoKey;

  constructor(suite: CipherSuite, key: CryptoKey) {
    this.suite = suite;
    this.#key = key;
  }

  async encrypt(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    assertAeadInputs(this.suite, nonce, aad, plaintext, 'plaintext');
    const params = this.#params(nonce, aad);
    try {
      return new Uint8Array(await subtle().encrypt(params, this.#key, bufferSource(plaintext)));
    } catch (e) {
      throw new SFrameError('invalid-argument', `AES-GCM encryption failed (suite ${this.suite.id})`, { cause: e });
    }
  }

  async decrypt(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    assertAeadInputs(this.suite, nonce, aad, ciphertext, 'ciphertext');
    const params = this.#params(nonce, aad);
    try {
      return new Uint8Array(await subtle().decrypt(params, this.#key, bufferSource(ciphertext)));
    } catch (e) {
      if (isOperationError(e)) {
        throw new SFrameError('authentication-failed', `AES-GCM tag mismatch (suite ${this.suite.id})`);
      }
      throw new SFrameError('invalid-argument', `AES-GCM decryption failed (suite ${this.suite.id})`, { cause: e });
    }
  }

  sealRaw(nonce: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
    return globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, this.#key, plaintext);
  }

  openRaw(nonce: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>, ciphertext: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
    return globalThis.crypto.subtle
      .decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, this.#key, ciphertext)
      .catch((e: unknown) => {
        throw isOperationError(e)
          ? new SFrameError('authentication-failed', `AES-GCM tag mismatch (suite ${this.suite.id})`)
          : new SFrameError('invalid-argument', `AES-GCM decryption failed (suite ${this.suite.id})`, { cause: e });
      });
  }

  #params(nonce: Uint8Array, aad: Uint8Array): AesGcmParams {
    return {
      name: 'AES-GCM',
      iv: bufferSource(nonce),
      additionalData: bufferSource(aad),
      tagLength: this.suite.nt * 8,
    };
  }
}

/** Imports an AES-GCM key (16 or 32 bytes, already validated) as a non-extractable CryptoKey. */
export async function importAesGcm(suite: CipherSuite, key: Uint8Array): Promise<Aead> {
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await subtle().importKey('raw', bufferSource(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
  } catch (e) {
    throw new SFrameError('invalid-argument', `AES-GCM key import failed (suite ${suite.id})`, { cause: e });
  }
  return new AesGcmAead(suite, cryptoKey);
}
