/**
 * The official RFC 9605 test vectors (Appendix C): one named case per vector — 289 header encodings
 * (§C.1), 3 AES-CTR + HMAC AEAD cases (§C.2), 5 full SFrame encryptions (§C.3) — checking every field.
 */
import { describe, expect, it } from 'vitest';
import { decodeHeader } from '../../../src/sframe/header';
import { encodeHeader } from './support/reference/header';
import { cipherSuite } from '../../../src/sframe/suites';
import { importAead } from '../../../src/sframe/aead';
import { splitCtrHmacKey } from '../../../src/sframe/aes-ctr-hmac';
import { deriveKeyMaterial, sframeKeyLabel, sframeSaltLabel } from '../../../src/sframe/key-derivation';
import { deriveSFrameKeys } from '../../../src/sframe/keys';
import { sframeAad, sframeDecrypt, sframeEncrypt, sframeNonce } from './support/reference/frame';
import { SFrameReceiver, SFrameSender } from './support/reference/context';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadVectors, parseJsonWithBigInts, toHex, VECTORS_PATH, VECTORS_SHA256 } from './support/vectors';

const vectors = loadVectors();
const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** HKDF-Extract("", ikm) = HMAC(salt = HashLen zero bytes, ikm) (RFC 5869 §2.2), via WebCrypto HMAC. */
async function hkdfExtractEmptySalt(hash: 'SHA-256' | 'SHA-512', nh: number, ikm: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(nh), { name: 'HMAC', hash }, false, ['sign']);
  return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array(ikm))));
}

describe('RFC 9605 test vectors', () => {
  it('are the official file, byte for byte (provenance in tests/unit/sframe/vectors/README.md)', () => {
    expect(createHash('sha256').update(readFileSync(VECTORS_PATH)).digest('hex')).toBe(VECTORS_SHA256);
  });

  it('has the expected number of vectors, with 64-bit values intact', () => {
    expect(vectors.header).toHaveLength(289);
    expect(vectors.aesCtrHmac).toHaveLength(3);
    expect(vectors.sframe).toHaveLength(5);
    const above53 = vectors.header.filter((v) => v.kid > 2n ** 53n || v.ctr > 2n ** 53n);
    expect(above53).toHaveLength(93);
    expect(vectors.header.some((v) => v.kid === 0xffff_ffff_ffff_ffffn && v.ctr === 0xffff_ffff_ffff_ffffn)).toBe(
      true,
    );
  });

  it('parses integers as exact BigInts without touching strings, and names a missing file', () => {
    expect(parseJsonWithBigInts('{"a": 18446744073709551615, "b": ["12", "x\\"9"], "c": [0, -3]}')).toEqual({
      a: 18446744073709551615n,
      b: ['12', 'x"9'],
      c: [0n, -3n],
    });
    expect(() => loadVectors('/nonexistent/sframe-rfc9605.json')).toThrow(/test vectors not found at/);
  });

  describe('header (C.1)', () => {
    for (const v of vectors.header) {
      it(`header kid=${hex(v.kid)} ctr=${hex(v.ctr)} → ${v.encodedHex}`, () => {
        expect(toHex(encodeHeader(v.kid, v.ctr))).toBe(v.encodedHex);
        expect(decodeHeader(v.encoded)).toEqual({ kid: v.kid, ctr: v.ctr, headerLength: v.encoded.length });
        // Bytes after the header (the ciphertext) are not part of it.
        const withPayload = new Uint8Array([...v.encoded, 0xff, 0x00, 0xab]);
        expect(decodeHeader(withPayload)).toEqual({ kid: v.kid, ctr: v.ctr, headerLength: v.encoded.length });
      });
    }
  });

  describe('AES-CTR + HMAC (C.2)', () => {
    for (const v of vectors.aesCtrHmac) {
      const suite = cipherSuite(v.cipherSuite);
      it(`aes_ctr_hmac suite ${suite.id} (${suite.name})`, async () => {
        const { encKey, authKey } = splitCtrHmacKey(suite, v.key);
        expect(toHex(encKey)).toBe(toHex(v.encKey));
        expect(toHex(authKey)).toBe(toHex(v.authKey));
        const aead = await importAead(suite, v.key);
        const ct = await aead.encrypt(v.nonce, v.aad, v.pt);
        expect(toHex(ct)).toBe(toHex(v.ct));
        expect(ct.length).toBe(v.pt.length + suite.nt);
        expect(toHex(await aead.decrypt(v.nonce, v.aad, v.ct))).toBe(toHex(v.pt));
      });
    }
  });

  describe('SFrame encryption (C.3)', () => {
    for (const v of vectors.sframe) {
      const suite = cipherSuite(v.cipherSuite);
      it(`sframe suite ${suite.id} (${suite.name})`, async () => {
        // §4.4.2 key derivation: labels, secret, key and salt.
        expect(toHex(sframeKeyLabel(suite, v.kid))).toBe(toHex(v.sframeKeyLabel));
        expect(toHex(sframeSaltLabel(suite, v.kid))).toBe(toHex(v.sframeSaltLabel));
        expect(await hkdfExtractEmptySalt(suite.hash, suite.nh, v.baseKey)).toBe(toHex(v.sframeSecret));
        const material = await deriveKeyMaterial(suite, v.kid, v.baseKey);
        expect(toHex(material.key)).toBe(toHex(v.sframeKey));
        expect(toHex(material.salt)).toBe(toHex(v.sframeSalt));

        // §4.4.3 nonce and AAD.
        expect(toHex(sframeNonce(material.salt, v.ctr))).toBe(toHex(v.nonce));
        expect(toHex(sframeAad(encodeHeader(v.kid, v.ctr), v.metadata))).toBe(toHex(v.aad));

        // §4.4.3 / §4.4.4 with the low-level API.
        const keys = await deriveSFrameKeys(suite.id, v.kid, v.baseKey);
        expect(toHex(await sframeEncrypt(keys, v.kid, v.ctr, v.metadata, v.pt))).toBe(toHex(v.ct));
        const opened = await sframeDecrypt(keys, v.ct, v.metadata);
        expect(opened.kid).toBe(v.kid);
        expect(opened.ctr).toBe(v.ctr);
        expect(toHex(opened.plaintext)).toBe(toHex(v.pt));

        // The same through the stateful sender/receiver.
        const sender = await SFrameSender.create({
          suite: suite.id,
          kid: v.kid,
          baseKey: v.baseKey,
          initialCounter: v.ctr,
        });
        expect(toHex(await sender.encrypt(v.pt, v.metadata))).toBe(toHex(v.ct));
        const receiver = new SFrameReceiver({ suite: suite.id });
        await receiver.addKey(v.kid, v.baseKey);
        const received = await receiver.decrypt(v.ct, v.metadata);
        expect({ kid: received.kid, ctr: received.ctr, pt: toHex(received.plaintext) }).toEqual({
          kid: v.kid,
          ctr: v.ctr,
          pt: toHex(v.pt),
        });
      });
    }
  });
});
