/**
 * The AES-CTR + HMAC compound AEAD of RFC 9605 §4.5.1 (suites 1-3), encrypt-then-MAC as in SRTP, built
 * from WebCrypto AES-CTR and HMAC:
 *
 * ```text
 * enc_key, auth_key = sframe_key[..Nka], sframe_key[Nka..]
 * auth_data = len(aad) (8 B BE) + len(ct) (8 B BE) + Nt (8 B BE) + nonce + aad + ct
 * tag       = HMAC(auth_key, auth_data)[..Nt]
 * ct        = AES-CTR(enc_key, initial counter block = nonce + 0x00000000, pt)
 * ```
 *
 * Decryption verifies the tag (constant-time comparison) before decrypting anything.
 */
import { SFrameError } from './errors';
import { bufferSource, equalBytes, writeBigEndian } from '../shared/bytes';
import { assertBytes, subtle } from './bytes';
import type { Aead } from './aead-interface';
import { assertAeadInputs } from './aead-interface';
import type { CipherSuite } from './suites';

/** AES-CTR with a 32-bit block counter starting at 0 can process at most 2^32 blocks of 16 bytes. */
const MAX_CTR_PLAINTEXT = 2 ** 32 * 16;

/** The two subkeys of RFC 9605 §4.5.1 `derive_subkeys` (views into the given key). */
interface CtrHmacSubkeys {
  /** The first Nka bytes: the AES-CTR key. */
  readonly encKey: Uint8Array;
  /** The remaining Nh bytes: the HMAC key. */
  readonly authKey: Uint8Array;
}

function assertCtrSuite(suite: CipherSuite): number {
  if (suite.aead !== 'aes-ctr-hmac' || suite.nka === undefined) {
    throw new SFrameError('invalid-argument', `suite ${suite.id} is not an AES-CTR + HMAC suite`);
  }
  return suite.nka;
}

/** RFC 9605 §4.5.1 `derive_subkeys`: splits an Nk-byte sframe_key into enc_key and auth_key. */
export function splitCtrHmacKey(suite: CipherSuite, key: Uint8Array): CtrHmacSubkeys {
  const nka = assertCtrSuite(suite);
  assertBytes(key, 'key', suite.nk);
  return { encKey: key.subarray(0, nka), authKey: key.subarray(nka) };
}

class AesCtrHmacAead implements Aead {
  readonly suite: CipherSuite;
  readonly #encKey: CryptoKey;
  readonly #authKey: CryptoKey;

  constructor(suite: CipherSuite, encKey: CryptoKey, authKey: CryptoKey) {
    this.suite = suite;
    this.#encKey = encKey;
    this.#authKey = authKey;
  }

  async encrypt(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    assertAeadInputs(this.suite, nonce, aad, plaintext, 'plaintext');
    if (plaintext.length > MAX_CTR_PLAINTEXT) {
      throw new SFrameError('invalid-argument', 'plaintext exceeds the AES-CTR 2^32-block limit');
    }
    let ct: Uint8Array<ArrayBuffer>;
    try {
      ct = new Uint8Array(await subtle().encrypt(this.#ctrParams(nonce), this.#encKey, bufferSource(plaintext)));
    } catch (e) {
      throw new SFrameError('invalid-argument', `AES-CTR encryption failed (suite ${this.suite.id})`, { cause: e });
    }
    const tag = await this.#computeTag(nonce, aad, ct);
    const out = new Uint8Array(ct.length + tag.length);
    out.set(ct, 0);
    out.set(tag, ct.length);
    return out;
  }

  async decrypt(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    assertAeadInputs(this.suite, nonce, aad, ciphertext, 'ciphertext');
    const split = ciphertext.length - this.suite.nt;
    const innerCt = ciphertext.subarray(0, split);
    const tag = ciphertext.subarray(split);
    const candidate = await this.#computeTag(nonce, aad, innerCt);
    if (!equalBytes(tag, candidate)) {
      throw new SFrameError('authentication-failed', `HMAC tag mismatch (suite ${this.suite.id})`);
    }
    try {
      return new Uint8Array(await subtle().decrypt(this.#ctrParams(nonce), this.#encKey, bufferSource(innerCt)));
    } catch (e) {
      throw new SFrameError('invalid-argument', `AES-CTR decryption failed (suite ${this.suite.id})`, { cause: e });
    }
  }

  async sealRaw(nonce: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
    // Copied first: the caller may reuse its buffers as soon as this returns, and the tag is computed after an await.
    return (await this.encrypt(nonce.slice(), aad.slice(), plaintext.slice())).buffer;
  }

  async openRaw(nonce: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>, ciphertext: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
    return (await this.decrypt(nonce.slice(), aad.slice(), ciphertext.slice())).buffer;
  }

  /** RFC 9605 §4.5.1: initial_counter = nonce + 0x00000000, the low 32 bits count blocks. */
  #ctrParams(nonce: Uint8Array): AesCtrParams {
    const counter = new Uint8Array(16);
    counter.set(nonce, 0);
    return { name: 'AES-CTR', counter, length: 32 };
  }

  /** RFC 9605 §4.5.1 `compute_tag`. */
  async #computeTag(nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const authData = new Uint8Array(24 + nonce.length + aad.length + ct.length);
    writeBigEndian(authData, 0, 8, BigInt(aad.length));
    writeBigEndian(authData, 8, 8, BigInt(ct.length));
    writeBigEndian(authData, 16, 8, BigInt(this.suite.nt));
    authData.set(nonce, 24);
    authData.set(aad, 24 + nonce.length);
    authData.set(ct, 24 + nonce.length + aad.length);
    let mac: ArrayBuffer;
    try {
      mac = await subtle().sign('HMAC', this.#authKey, authData);
    } catch (e) {
      throw new SFrameError('invalid-argument', `HMAC computation failed (suite ${this.suite.id})`, { cause: e });
    }
    // truncate(tag, Nt): the first Nt bytes.
    return new Uint8Array(mac, 0, this.suite.nt);
  }
}

/** Imports the compound key of RFC 9605 §4.5.1 as a non-extractable AES-CTR key and HMAC key. */
export async function importAesCtrHmac(suite: CipherSuite, key: Uint8Array): Promise<Aead> {
  const { encKey, authKey } = splitCtrHmacKey(suite, key);
  const s = subtle();
  try {
    const [enc, auth] = await Promise.all([
      s.importKey('raw', bufferSource(encKey), 'AES-CTR', false, ['encrypt', 'decrypt']),
      s.importKey('raw', bufferSource(authKey), { name: 'HMAC', hash: suite.hash }, false, ['sign']),
    ]);
    return new AesCtrHmacAead(suite, enc, auth);
  } catch (e) {
    throw new SFrameError('invalid-argument', `AES-CTR/HMAC key import failed (suite ${suite.id})`, { cause: e });
  }
}
