/**
 * Cipher suite table (RFC 9605 §4.5 Table 1, §8.1 Table 2) and lookup, plus the AEAD layer's own input
 * checks (key, nonce and ciphertext lengths).
 */
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES, cipherSuite } from '../../../src/sframe/suites';
import { importAead } from '../../../src/sframe/aead';
import { splitCtrHmacKey } from '../../../src/sframe/aes-ctr-hmac';
import { SUITE_IDS, expectSFrameError } from './support/helpers';

describe('cipher suites', () => {
  it('match RFC 9605 Table 1', () => {
    const rows = SUITE_IDS.map((id) => {
      const s = cipherSuite(id);
      return [s.id, s.name, s.hash, s.nh, s.nka, s.nk, s.nn, s.nt];
    });
    expect(rows).toEqual([
      [1, 'AES_128_CTR_HMAC_SHA256_80', 'SHA-256', 32, 16, 48, 12, 10],
      [2, 'AES_128_CTR_HMAC_SHA256_64', 'SHA-256', 32, 16, 48, 12, 8],
      [3, 'AES_128_CTR_HMAC_SHA256_32', 'SHA-256', 32, 16, 48, 12, 4],
      [4, 'AES_128_GCM_SHA256_128', 'SHA-256', 32, undefined, 16, 12, 16],
      [5, 'AES_256_GCM_SHA512_128', 'SHA-512', 64, undefined, 32, 12, 16],
    ]);
    expect(Object.isFrozen(CIPHER_SUITES)).toBe(true);
    expect(Object.isFrozen(CIPHER_SUITES[4])).toBe(true);
  });

  it('looks up by value or suite object, and rejects everything else', async () => {
    expect(cipherSuite(CIPHER_SUITES[2])).toBe(CIPHER_SUITES[2]);
    expect(cipherSuite({ ...CIPHER_SUITES[2], nt: 1 })).toBe(CIPHER_SUITES[2]); // canonical constants only
    for (const bad of [0, 6, 0xf000, -1, 1.5, '1', null, undefined, {}]) {
      await expectSFrameError(() => cipherSuite(bad as never), 'invalid-argument');
    }
  });
});

describe('AEAD input checks', () => {
  it('requires keys of exactly Nk bytes', async () => {
    for (const id of SUITE_IDS) {
      const suite = cipherSuite(id);
      await expectSFrameError(() => importAead(suite, new Uint8Array(suite.nk - 1)), 'invalid-argument');
      await expectSFrameError(() => importAead(suite, new Uint8Array(suite.nk + 1)), 'invalid-argument');
      await expect(importAead(suite, new Uint8Array(suite.nk))).resolves.toBeDefined();
    }
    await expectSFrameError(() => splitCtrHmacKey(cipherSuite(4), new Uint8Array(16)), 'invalid-argument');
  });

  it('requires Nn-byte nonces and at least Nt bytes of ciphertext', async () => {
    for (const id of SUITE_IDS) {
      const suite = cipherSuite(id);
      const aead = await importAead(suite, new Uint8Array(suite.nk));
      const nonce = new Uint8Array(suite.nn);
      const none = new Uint8Array(0);
      await expectSFrameError(() => aead.encrypt(new Uint8Array(8), none, new Uint8Array(1)), 'invalid-argument');
      await expectSFrameError(() => aead.decrypt(nonce, none, new Uint8Array(suite.nt - 1)), 'truncated-ciphertext');
      await expectSFrameError(() => aead.decrypt(nonce, none, new Uint8Array(suite.nt)), 'authentication-failed');
      const sealed = await aead.encrypt(nonce, new Uint8Array(0), new Uint8Array(0));
      expect(sealed.length).toBe(suite.nt);
      expect((await aead.decrypt(nonce, new Uint8Array(0), sealed)).length).toBe(0);
    }
  });
});
