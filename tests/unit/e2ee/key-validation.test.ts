/**
 * Strict key checks (protocol.md §4.4). The blocklists in src/e2ee/key-validation.ts come from libsodium (cited
 * there); here each entry is re-derived with Node's own X25519 and Ed25519, so a typo in a constant cannot hide:
 * a u-coordinate is of small order iff X25519 with any private key yields the all-zero secret, and an Ed25519 key
 * is of small order iff the universal forgery (R = identity, S = 0) verifies under it for some messages.
 */
import { describe, expect, it } from 'vitest';
import {
  ED25519_SMALL_ORDER_Y,
  FIELD_PRIME,
  GROUP_ORDER,
  X25519_SMALL_ORDER_U,
  checkEd25519PublicKey,
  checkEd25519Signature,
  checkX25519PublicKey,
} from '../../../src/e2ee/key-validation';
import { signatureMessage, signingInput, verifyIdentitySignature } from '../../../src/e2ee/signing';
import { expectE2eeError, expectE2eeRejection, littleEndian, makeIdentity } from './helpers';

const IDENTITY_POINT = littleEndian(1n);
/** R = the identity point's encoding, S = 0: [S]B − [k]A = identity for every k when A is the identity. */
const UNIVERSAL_FORGERY = Uint8Array.from([...IDENTITY_POINT, ...new Uint8Array(32)]);

async function nodeVerifies(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(signature), new Uint8Array(message));
}

async function nodeX25519(publicKey: Uint8Array): Promise<Uint8Array | 'refused'> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  const peer = await crypto.subtle.importKey('raw', new Uint8Array(publicKey), { name: 'X25519' }, false, []);
  try {
    return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, pair.privateKey, 256));
  } catch {
    return 'refused';
  }
}

/** The canonical encodings of a y-coordinate: sign bit clear, and set unless x = 0 (y = ±1). */
function encodingsOf(y: bigint): Uint8Array[] {
  const clear = littleEndian(y);
  if (y === 1n || y === FIELD_PRIME - 1n) return [clear];
  const set = clear.slice();
  set[31] = (set[31] ?? 0) | 0x80;
  return [clear, set];
}

describe('X25519 public keys (REVEAL)', () => {
  it('blocks exactly points of small order: each yields the all-zero secret in Node', async () => {
    expect(X25519_SMALL_ORDER_U).toHaveLength(5);
    for (const u of X25519_SMALL_ORDER_U) {
      const result = await nodeX25519(littleEndian(u));
      expect(result === 'refused' || result.every((b) => b === 0)).toBe(true);
      expectE2eeError(() => checkX25519PublicKey(littleEndian(u)), 'weak-key');
    }
  });

  it('refuses non-canonical encodings (libsodium also lists p and p + 1) and accepts real keys', async () => {
    for (const u of [FIELD_PRIME, FIELD_PRIME + 1n, (1n << 255n) - 1n]) {
      expectE2eeError(() => checkX25519PublicKey(littleEndian(u)), 'weak-key');
    }
    const topBit = littleEndian(9n);
    topBit[31] = 0x80;
    expectE2eeError(() => checkX25519PublicKey(topBit), 'weak-key');
    checkX25519PublicKey(littleEndian(9n)); // the base point
    for (let i = 0; i < 20; i++) {
      const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
      checkX25519PublicKey(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
    }
    expectE2eeError(() => checkX25519PublicKey(new Uint8Array(31)), 'invalid-argument');
  });
});

describe('Ed25519 identity keys and signatures (CONFIRM)', () => {
  it("Node's WebCrypto accepts the universal forgery under the identity-point key — the vulnerability", async () => {
    for (const text of ['anything', 'CallSeal-v2 signature', 'another message']) {
      expect(await nodeVerifies(IDENTITY_POINT, UNIVERSAL_FORGERY, new TextEncoder().encode(text))).toBe(true);
    }
    // The all-zero signature (R of order 4) verifies only under a cofactored verifier; Node's is cofactorless.
    expect(await nodeVerifies(IDENTITY_POINT, new Uint8Array(64), new TextEncoder().encode('anything'))).toBe(false);
  });

  it('our check refuses both, before WebCrypto is asked', async () => {
    const th = crypto.getRandomValues(new Uint8Array(32));
    const pid = crypto.getRandomValues(new Uint8Array(8));
    expect(await nodeVerifies(IDENTITY_POINT, UNIVERSAL_FORGERY, signatureMessage(signingInput(th, pid)))).toBe(true);
    await expectE2eeRejection(() => verifyIdentitySignature(IDENTITY_POINT, UNIVERSAL_FORGERY, th, pid), 'weak-key');
    await expectE2eeRejection(() => verifyIdentitySignature(IDENTITY_POINT, new Uint8Array(64), th, pid), 'weak-key');
  });

  it('blocks exactly the eight points of small order: the forgery verifies under each for some message', async () => {
    const encodings = ED25519_SMALL_ORDER_Y.flatMap(encodingsOf);
    expect(encodings).toHaveLength(8);
    // The two order-8 y values are each other's negation (adding the order-2 point (0, −1) negates y).
    expect((ED25519_SMALL_ORDER_Y[2]! + ED25519_SMALL_ORDER_Y[3]!) % FIELD_PRIME).toBe(0n);
    for (const key of encodings) {
      let forged = false;
      for (let i = 0; i < 200 && !forged; i++) {
        forged = await nodeVerifies(key, UNIVERSAL_FORGERY, new TextEncoder().encode(`message ${i}`));
      }
      expect(forged).toBe(true); // [k]A = identity for k ≡ 0 mod ord(A): some message in 200 gives one
      expectE2eeError(() => checkEd25519PublicKey(key), 'weak-key');
    }
  });

  it('refuses non-canonical encodings and accepts real keys', async () => {
    const withSign = (y: bigint) => {
      const bytes = littleEndian(y);
      bytes[31] = (bytes[31] ?? 0) | 0x80;
      return bytes;
    };
    for (const key of [littleEndian(FIELD_PRIME), littleEndian(FIELD_PRIME + 1n), withSign(1n), withSign(FIELD_PRIME - 1n)]) {
      expectE2eeError(() => checkEd25519PublicKey(key), 'weak-key');
    }
    for (let i = 0; i < 20; i++) checkEd25519PublicKey((await makeIdentity()).publicKey);
    expectE2eeError(() => checkEd25519PublicKey(new Uint8Array(33)), 'invalid-argument');
  });

  it('refuses a signature whose S is not canonical, or whose R is of small order', async () => {
    const identity = await makeIdentity();
    const th = crypto.getRandomValues(new Uint8Array(32));
    const pid = crypto.getRandomValues(new Uint8Array(8));
    const good = await identity.sign(signingInput(th, pid));
    checkEd25519Signature(good);
    await verifyIdentitySignature(identity.publicKey, good, th, pid);

    // S + L is the classic malleated twin: same verification equation, non-canonical S.
    const s = [...good.subarray(32)].reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
    const malleated = Uint8Array.from([...good.subarray(0, 32), ...littleEndian(s + GROUP_ORDER)]);
    expectE2eeError(() => checkEd25519Signature(malleated), 'bad-signature');
    await expectE2eeRejection(() => verifyIdentitySignature(identity.publicKey, malleated, th, pid), 'bad-signature');

    for (const r of ED25519_SMALL_ORDER_Y.flatMap(encodingsOf)) {
      expectE2eeError(() => checkEd25519Signature(Uint8Array.from([...r, ...good.subarray(32)])), 'weak-key');
    }
    const flipped = good.slice();
    flipped[40] = (flipped[40] ?? 0) ^ 1;
    await expectE2eeRejection(() => verifyIdentitySignature(identity.publicKey, flipped, th, pid), 'bad-signature');
    await expectE2eeRejection(() => verifyIdentitySignature(identity.publicKey, good, th, pid.map((b) => b ^ 1)), 'bad-signature');
  });
});
