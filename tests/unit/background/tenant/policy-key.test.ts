/**
 * The pinned key and signature checks on the bytes (docs/admin.md §3.2): weak or non-canonical keys are refused
 * before WebCrypto sees them, and so are signatures with a non-canonical S or a small-order R.
 */
import { describe, expect, it } from 'vitest';
import { checkPointBytes } from '../../../../src/background/tenant/key-bytes';
import { ED25519_SMALL_ORDER_Y as SMALL_ORDER_Y, FIELD_PRIME, GROUP_ORDER } from '../../../../src/e2ee/key-validation';
import { littleEndianToBigInt } from '../../../../src/shared/bytes';
import { checkPolicyPublicKey, PinnedPolicyKey, POLICY_SIGNATURE_LABEL } from '../../../../src/background/tenant/policy-key';
import { concatBytes } from '../../../../src/shared/bytes';

const hex = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));

/** RFC 8032 §7.1, test 1. */
const RFC8032_PUBLIC = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const RFC8032_SIGNATURE = hex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

/** The eight small-order points in their canonical encodings (libsodium's list). */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
].map(hex);

function littleEndian(n: bigint): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

describe('checkPolicyPublicKey', () => {
  it('accepts an honest key (RFC 8032 test 1) and fresh WebCrypto keys', async () => {
    expect(checkPolicyPublicKey(RFC8032_PUBLIC)).toBeUndefined();
    for (let i = 0; i < 5; i++) {
      const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
      expect(checkPolicyPublicKey(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)))).toBeUndefined();
    }
  });

  it('refuses every small-order point', () => {
    for (const point of SMALL_ORDER) expect(checkPolicyPublicKey(point)).toBe('small-order');
  });

  it('refuses non-canonical encodings: y ≥ p, and x = 0 with the sign bit', () => {
    const p = 2n ** 255n - 19n;
    expect(checkPolicyPublicKey(littleEndian(p + 1n))).toBe('non-canonical'); // y = 1 + p: the identity, encoded again
    expect(checkPolicyPublicKey(littleEndian(p))).toBe('non-canonical');
    expect(checkPolicyPublicKey(hex('0100000000000000000000000000000000000000000000000000000000000080'))).toBe('non-canonical');
  });

  it('refuses wrong lengths', () => {
    expect(checkPolicyPublicKey(RFC8032_PUBLIC.subarray(0, 31))).toBe('length');
    expect(checkPolicyPublicKey(new Uint8Array(33))).toBe('length');
  });

  it('the blocklist is exactly the y of the eight small-order encodings, sign bit ignored', () => {
    const ys = new Set(SMALL_ORDER.map((point) => littleEndianToBigInt(point) & ((1n << 255n) - 1n)));
    expect([...ys].sort()).toEqual([...SMALL_ORDER_Y].sort());
    expect(SMALL_ORDER_Y).toContain(FIELD_PRIME - 1n);
  });

  it('why the bytes are checked first: this runtime’s WebCrypto verifies R = identity, S = 0 under the identity key', async () => {
    const identity = SMALL_ORDER[0] ?? new Uint8Array();
    const key = await crypto.subtle.importKey('raw', identity, { name: 'Ed25519' }, false, ['verify']);
    const forged = concatBytes(identity, new Uint8Array(32));
    const lenient = await crypto.subtle.verify({ name: 'Ed25519' }, key, forged, new TextEncoder().encode('any message'));
    // Whatever this runtime does, the pinned key is refused before it could matter.
    expect(typeof lenient).toBe('boolean');
    expect(await PinnedPolicyKey.fromRaw(identity)).toBe('small-order');
  });

  it('judges bytes only: a value that is no curve point is pinned, and then verifies nothing', async () => {
    // y = 2 has no x on Edwards25519. Telling that needs a square root, i.e. curve arithmetic, which is not done here.
    expect(checkPointBytes(littleEndian(2n))).toBeUndefined();
    const pinned = await PinnedPolicyKey.fromRaw(littleEndian(2n));
    if (typeof pinned === 'string') throw new Error(pinned);
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const payload = new TextEncoder().encode('{}');
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, concatBytes(POLICY_SIGNATURE_LABEL, payload)));
    expect(await pinned.verify(payload, signature)).toBe(false);
  });
});

describe('PinnedPolicyKey.verify', () => {
  async function signer() {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const pinned = await PinnedPolicyKey.fromRaw(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
    if (typeof pinned === 'string') throw new Error(pinned);
    const sign = async (message: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, message));
    return { pinned, sign };
  }
  const payload = new TextEncoder().encode('{"x":1}');

  it('verifies a signature over the label and the payload, and nothing else', async () => {
    const { pinned, sign } = await signer();
    expect(await pinned.verify(payload, await sign(concatBytes(POLICY_SIGNATURE_LABEL, payload)))).toBe(true);
    expect(await pinned.verify(payload, await sign(payload))).toBe(false); // signed without the label
    expect(await pinned.verify(new TextEncoder().encode('{"x":2}'), await sign(concatBytes(POLICY_SIGNATURE_LABEL, payload)))).toBe(false);
  });

  it('refuses S ≥ L (the malleable twin of a valid signature) and short signatures', async () => {
    const { pinned, sign } = await signer();
    const good = await sign(concatBytes(POLICY_SIGNATURE_LABEL, payload));
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(good[i] ?? 0);
    const twin = concatBytes(good.subarray(0, 32), littleEndian(s + GROUP_ORDER));
    expect(await pinned.verify(payload, twin)).toBe(false);
    expect(await pinned.verify(payload, good.subarray(0, 63))).toBe(false);
  });

  it('refuses a small-order R, and a non-canonical R', async () => {
    const { pinned } = await signer();
    for (const point of SMALL_ORDER) expect(await pinned.verify(payload, concatBytes(point, new Uint8Array(32)))).toBe(false);
    const p = 2n ** 255n - 19n;
    expect(await pinned.verify(payload, concatBytes(littleEndian(p + 2n), new Uint8Array(32)))).toBe(false);
  });

  it('rejects the RFC 8032 signature under another message, accepts it under its own (empty, no label)', async () => {
    const key = await crypto.subtle.importKey('raw', RFC8032_PUBLIC, { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, RFC8032_SIGNATURE, new Uint8Array())).toBe(true);
    const pinned = await PinnedPolicyKey.fromRaw(RFC8032_PUBLIC);
    if (typeof pinned === 'string') throw new Error(pinned);
    expect(await pinned.verify(new Uint8Array(), RFC8032_SIGNATURE)).toBe(false); // the label is part of the message
    expect(pinned.keyId).toMatch(/^[0-9a-f]{16}$/);
  });
});
