import { describe, expect, it } from 'vitest';
import { E2eeError } from '../../../src/e2ee/errors';
import { decodeHello, encodeHello, encodeHelloBody } from '../../../src/e2ee/hello';
import type { DecodedHello } from '../../../src/e2ee/hello';
import {
  deriveEpoch,
  generateEphemeral,
  isCallSealKid,
  kidFor,
  kidTagOf,
  senderBaseKey,
  senderIndexOf,
  transcriptHash,
} from '../../../src/e2ee/key-schedule';
import { expectE2eeError, expectE2eeRejection, flipBit, makeIdentity, makeParty } from './helpers';
import type { TestIdentity, TestParty } from './helpers';

const ascii = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => Array.from(p)));
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const CODE = /^\d{5} \d{5} \d{5} \d{5}$/;

async function epochOf(me: TestParty, peer: DecodedHello) {
  return deriveEpoch({ myPrivateKey: me.ephemeral.privateKey, myHello: me.hello, peerHello: peer });
}

/** A validly signed hello from `identity` carrying an arbitrary ephemeral "public key". */
async function helloWithEphemeral(identity: TestIdentity, ephemeralPublicKey: Uint8Array, suite = 4): Promise<DecodedHello> {
  const body = encodeHelloBody({
    suite,
    sessionId: crypto.getRandomValues(new Uint8Array(16)),
    ephemeralPublicKey,
    identityPublicKey: identity.publicKey,
  });
  return decodeHello(encodeHello(body, await identity.signHello(body), new Uint8Array(32)));
}

async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(ikm), 'HKDF', false, ['deriveBits']);
  const params = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(salt), info: new Uint8Array(info) };
  return new Uint8Array(await crypto.subtle.deriveBits(params, key, 256));
}

describe('generateEphemeral', () => {
  it('makes a non-extractable X25519 private key and a raw 32-byte public key', async () => {
    const { privateKey, publicKey } = await generateEphemeral();
    expect(privateKey.extractable).toBe(false);
    expect(privateKey.algorithm.name).toBe('X25519');
    expect(privateKey.type).toBe('private');
    expect(publicKey.length).toBe(32);
    await expect(crypto.subtle.exportKey('raw', privateKey)).rejects.toThrow();
  });
});

describe('deriveEpoch between two parties', () => {
  it('gives both sides matching keys, transcript hash, kid tag and security code', async () => {
    const a = await makeParty();
    const b = await makeParty();
    const ea = await epochOf(a, b.hello);
    const eb = await epochOf(b, a.hello);

    expect(ea.transcriptHash).toEqual(eb.transcriptHash);
    expect(ea.transcriptHash.length).toBe(32);
    expect(ea.kidTag).toBe(eb.kidTag);
    expect(ea.securityCode).toBe(eb.securityCode);
    expect(ea.securityCode).toMatch(CODE);
    expect(ea.peerIdentityPublicKey).toEqual(b.identity.publicKey);
    expect(ea.peerSessionId).toEqual(b.sessionId);
    expect(eb.peerIdentityPublicKey).toEqual(a.identity.publicKey);

    for (const secret of [ea.sendSecret, ea.receiveSecret]) {
      expect(secret.extractable).toBe(false);
      expect(secret.algorithm.name).toBe('HKDF');
    }

    for (const index of [0, 1, 255]) {
      const kid = kidFor(ea.transcriptHash, index);
      const aSend = await senderBaseKey(ea.sendSecret, kid);
      const bReceive = await senderBaseKey(eb.receiveSecret, kid);
      const bSend = await senderBaseKey(eb.sendSecret, kid);
      const aReceive = await senderBaseKey(ea.receiveSecret, kid);
      expect(aSend.length).toBe(32);
      expect(aSend).toEqual(bReceive);
      expect(bSend).toEqual(aReceive);
      expect(aSend).not.toEqual(bSend); // the two directions never share a key
    }
    const k0 = await senderBaseKey(ea.sendSecret, kidFor(ea.transcriptHash, 0));
    const k1 = await senderBaseKey(ea.sendSecret, kidFor(ea.transcriptHash, 1));
    expect(k0).not.toEqual(k1);
  });

  it('follows the specified formulas exactly (recomputed independently)', async () => {
    const a = await makeParty();
    const b = await makeParty();
    const ea = await epochOf(a, b.hello);

    const shared = new Uint8Array(
      await crypto.subtle.deriveBits(
        {
          name: 'X25519',
          public: await crypto.subtle.importKey('raw', new Uint8Array(b.hello.ephemeralPublicKey), { name: 'X25519' }, true, []),
        },
        a.ephemeral.privateKey,
        256,
      ),
    );
    const sa = cat(a.hello.body, a.hello.signature);
    const sb = cat(b.hello.body, b.hello.signature);
    const [first, second] = Buffer.compare(Buffer.from(sa), Buffer.from(sb)) <= 0 ? [sa, sb] : [sb, sa];
    const transcript = cat(ascii('CallSeal-v1 transcript'), u16(first.length), first, u16(second.length), second);
    const th = new Uint8Array(await crypto.subtle.digest('SHA-256', transcript));
    expect(ea.transcriptHash).toEqual(th);
    expect(ea.kidTag).toBe((th[0]! << 8) | th[1]!);

    const send = await hkdf(shared, th, cat(ascii('CallSeal-v1 sender'), a.hello.ephemeralPublicKey));
    const kid = kidFor(th, 3);
    const kidBytes = new Uint8Array(8);
    new DataView(kidBytes.buffer).setBigUint64(0, kid);
    const base = await hkdf(send, new Uint8Array(0), cat(ascii('CallSeal-v1 sframe base key'), kidBytes));
    expect(await senderBaseKey(ea.sendSecret, kid)).toEqual(base);

    const receive = await hkdf(shared, th, cat(ascii('CallSeal-v1 sender'), b.hello.ephemeralPublicKey));
    const baseIn = await hkdf(receive, new Uint8Array(0), cat(ascii('CallSeal-v1 sframe base key'), kidBytes));
    expect(await senderBaseKey(ea.receiveSecret, kid)).toEqual(baseIn);
  });

  it('ignores the (unsigned) acks: the transcript covers body and signature only', async () => {
    const a = await makeParty();
    const b = await makeParty();
    const bWithAck = decodeHello(encodeHello(b.hello.body, b.hello.signature, new Uint8Array(32).fill(7)));
    expect((await epochOf(a, b.hello)).transcriptHash).toEqual((await epochOf(a, bWithAck)).transcriptHash);
  });

  it('makes the two codes differ when a man in the middle substitutes both hellos', async () => {
    const a = await makeParty();
    const b = await makeParty();
    const mallory = await makeIdentity();
    const toA = await makeParty(mallory); // what A receives instead of B's hello
    const toB = await makeParty(mallory); // what B receives instead of A's hello
    const ea = await epochOf(a, toA.hello);
    const eb = await epochOf(b, toB.hello);
    expect(ea.securityCode).not.toBe(eb.securityCode);
    expect(ea.transcriptHash).not.toEqual(eb.transcriptHash);
    // Mallory can talk to each side, but each side's code is the one it shares with Mallory, not with the other.
    expect((await epochOf(toA, a.hello)).securityCode).toBe(ea.securityCode);
    expect((await epochOf(toB, b.hello)).securityCode).toBe(eb.securityCode);
  });

  it('gives a new transcript, code and keys for a new peer session', async () => {
    const a = await makeParty();
    const b1 = await makeParty();
    const b2 = await makeParty(b1.identity);
    const e1 = await epochOf(a, b1.hello);
    const e2 = await epochOf(a, b2.hello);
    expect(e1.transcriptHash).not.toEqual(e2.transcriptHash);
    expect(e1.securityCode).not.toBe(e2.securityCode);
  });
});

describe('deriveEpoch refusals', () => {
  it("rejects low-order peer ephemeral keys as 'weak-key'", async () => {
    const a = await makeParty();
    const mallory = await makeIdentity();
    const pMinus1 = new Uint8Array(32).fill(0xff);
    pMinus1[0] = 0xec;
    pMinus1[31] = 0x7f;
    for (const point of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31)), pMinus1]) {
      const evil = await helloWithEphemeral(mallory, point);
      await expectE2eeRejection(() => epochOf(a, evil), 'weak-key');
    }
  });

  it("rejects a forged peer hello as 'bad-signature'", async () => {
    const a = await makeParty();
    const b = await makeParty();
    const forged = { ...b.hello, signature: flipBit(b.hello.signature, 100) };
    await expectE2eeRejection(() => epochOf(a, forged), 'bad-signature');
    // Swapping in another ephemeral key under B's signature:
    const other = await generateEphemeral();
    const body = new Uint8Array(b.hello.body);
    body.set(other.publicKey, 19);
    await expectE2eeRejection(() => epochOf(a, { ...b.hello, body }), 'bad-signature');
  });

  it("rejects our own hello reflected back as 'reflected-hello'", async () => {
    const a = await makeParty();
    await expectE2eeRejection(() => epochOf(a, a.hello), 'reflected-hello');
    const mallory = await makeIdentity();
    const copycat = await helloWithEphemeral(mallory, a.hello.ephemeralPublicKey);
    await expectE2eeRejection(() => epochOf(a, copycat), 'reflected-hello');
  });

  it("rejects a different suite as 'unsupported-suite'", async () => {
    const a = await makeParty();
    const b = await makeIdentity();
    const other = await helloWithEphemeral(b, (await generateEphemeral()).publicKey, 5);
    await expectE2eeRejection(() => epochOf(a, other), 'unsupported-suite');
  });

  it('validates its arguments', async () => {
    const a = await makeParty();
    const b = await makeParty();
    const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    await expectE2eeRejection(() => deriveEpoch(null as never), 'invalid-argument');
    await expectE2eeRejection(
      () => deriveEpoch({ myPrivateKey: ed.privateKey, myHello: a.hello, peerHello: b.hello }),
      'invalid-argument',
    );
    await expectE2eeRejection(
      () => deriveEpoch({ myPrivateKey: {} as never, myHello: a.hello, peerHello: b.hello }),
      'invalid-argument',
    );
    await expectE2eeRejection(
      () => deriveEpoch({ myPrivateKey: a.ephemeral.privateKey, myHello: a.hello, peerHello: null as never }),
      'invalid-argument',
    );
    await expectE2eeRejection(
      () => deriveEpoch({ myPrivateKey: a.ephemeral.privateKey, myHello: a.hello, peerHello: { ...b.hello, body: b.hello.body.subarray(1) } }),
      'unsupported-version',
    );
  });
});

describe('KIDs', () => {
  const th = new Uint8Array(32);
  th[0] = 0xab;
  th[1] = 0xcd;
  th[2] = 0xff;

  it('packs the transcript tag and the sender index', () => {
    expect(kidFor(th, 7)).toBe(0xabcd07n);
    expect(kidFor(th, 0)).toBe(0xabcd00n);
    expect(kidFor(th, 255)).toBe(0xabcdffn);
    expect(senderIndexOf(0xabcd07n)).toBe(7);
    expect(kidTagOf(0xabcd07n)).toBe(0xabcd);
    expect(kidTagOf(kidFor(new Uint8Array(32), 9))).toBe(0);
    expect(isCallSealKid(0xffffffn)).toBe(true);
    expect(isCallSealKid(0x1000000n)).toBe(false);
    expect(isCallSealKid(-1n)).toBe(false);
    expect(isCallSealKid(5)).toBe(false);
  });

  it('refuses out-of-range input with invalid-argument', () => {
    for (const index of [-1, 256, 1.5, Number.NaN]) expectE2eeError(() => kidFor(th, index), 'invalid-argument');
    expectE2eeError(() => kidFor(th.subarray(0, 2), 0), 'invalid-argument');
    expectE2eeError(() => kidTagOf(1n << 24n), 'invalid-argument');
    expectE2eeError(() => senderIndexOf(-1n), 'invalid-argument');
    expectE2eeError(() => senderIndexOf(3 as never), 'invalid-argument');
  });

  it('senderBaseKey validates its arguments', async () => {
    const a = await makeParty();
    const b = await makeParty();
    const e = await epochOf(a, b.hello);
    await expectE2eeRejection(() => senderBaseKey(a.ephemeral.privateKey, 1n), 'invalid-argument');
    await expectE2eeRejection(() => senderBaseKey(e.sendSecret, 1 as never), 'invalid-argument');
    await expectE2eeRejection(() => senderBaseKey(e.sendSecret, -1n), 'invalid-argument');
    expect(await senderBaseKey(e.sendSecret, 0xffff_ffff_ffff_ffffn)).toHaveLength(32);
  });
});

describe('transcriptHash', () => {
  it('is symmetric', async () => {
    const x = crypto.getRandomValues(new Uint8Array(147));
    const y = crypto.getRandomValues(new Uint8Array(147));
    expect(await transcriptHash(x, y)).toEqual(await transcriptHash(y, x));
    await expect(transcriptHash('x' as never, y)).rejects.toBeInstanceOf(E2eeError);
  });
});
