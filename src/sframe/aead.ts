/**
 * One AEAD interface over the two constructions of RFC 9605 §4.5: AES-GCM (suites 4 and 5, `aes-gcm.ts`)
 * and the AES-CTR + HMAC compound AEAD (suites 1-3, `aes-ctr-hmac.ts`). Keys are imported once, as
 * non-extractable CryptoKeys, and reused for every frame.
 */
import { assertBytes } from './bytes';
import { importAesCtrHmac } from './aes-ctr-hmac';
import { importAesGcm } from './aes-gcm';
import type { Aead } from './aead-interface';
import type { CipherSuite, CipherSuiteId } from './suites';
import { cipherSuite } from './suites';

export type { Aead } from './aead-interface';

/**
 * Imports an AEAD key of exactly AEAD.Nk bytes for `suite` (RFC 9605 §4.5) as non-extractable CryptoKeys.
 * The caller may wipe `key` afterwards. Throws SFrameError 'invalid-argument' on an unknown suite or a key
 * of the wrong type or length.
 */
export async function importAead(suiteOrId: CipherSuite | CipherSuiteId, key: Uint8Array): Promise<Aead> {
  const suite = cipherSuite(suiteOrId);
  assertBytes(key, 'key', suite.nk);
  return suite.aead === 'aes-gcm' ? importAesGcm(suite, key) : importAesCtrHmac(suite, key);
}
