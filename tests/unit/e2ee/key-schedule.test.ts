/** The version-2 key schedule (protocol.md §5), recomputed independently with Node's WebCrypto. */
import { describe, expect, it } from 'vitest';
import { openConfirm, sealConfirm } from '../../../src/e2ee/confirm';
import {
  commitmentOf,
  derivePairSecrets,
  generateEphemeral,
  isCallSealKid,
  kidFor,
  senderBaseKey,
  senderIndexOf,
  transcriptHash,
  type EphemeralKeyPair,
  type PairSecrets,
} from '../../../src/e2ee/key-schedule';
import { securityCode } from '../../../src/e2ee/security-code';
import { expectE2eeError, expectE2eeRejection, littleEndian } from './helpers';

const ascii = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => Array.from(p)));
const sha256 = async (...parts: Uint8Array[]) => new Uint8Array(await crypto.subtle.digest('SHA-256', cat(...parts)));
const CODE = /^\d{5} \d{5} \d{5} \d{5}$/;

async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, bytes = 32): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(ikm), 'HKDF', false, ['deriveBits']);
  const params = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(salt), info: new Uint8Array(info) };
  return new Uint8Array(await crypto.subtle.deriveBits(params, key, bytes * 8));
}

interface Side {
  pid: Uint8Array;
  ephemeral: EphemeralKeyPair;
  commitment: Uint8Array;
}

async function side(to: Uint8Array | null, pid = crypto.getRandomValues(new Uint8Array(8))): Promise<Side> {
  const ephemeral = await generateEphemeral();
  const commitment = to ? await commitmentOf(4, pid, to, ephemeral.publicKey) : new Uint8Array(32);
  return { pid, ephemeral, commitment };
}

/** Two participants X and Y who committed to each other. */
async function twoSides(): Promise<[Side, Side]> {
  const xPid = crypto.getRandomValues(new Uint8Array(8));
  const yPid = crypto.getRandomValues(new Uint8Array(8));
  return Promise.all([side(yPid, xPid), side(xPid, yPid)]);
}

const view = (s: Side) => ({ pid: s.pid, commitment: s.commitment, ephemeralPublicKey: s.ephemeral.publicKey });
const derive = (me: Side, peer: Side): Promise<PairSecrets> =>
  derivePairSecrets({ suite: 4, myPrivateKey: me.ephemeral.privateKey, mine: view(me), peer: view(peer) });

describe('commitments and the transcript hash', () => {
  it('follow §4 and §5.1 exactly', async () => {
    const [x, y] = await twoSides();
    expect(x.commitment).toEqual(await sha256(ascii('CallSeal-v2 commit'), Uint8Array.of(4), x.pid, y.pid, x.ephemeral.publicKey));
    const [lo, hi] = Buffer.compare(Buffer.from(x.pid), Buffer.from(y.pid)) < 0 ? [x, y] : [y, x];
    const th = await sha256(
      ascii('CallSeal-v2 transcript'),
      Uint8Array.of(4),
      lo.pid,
      lo.commitment,
      lo.ephemeral.publicKey,
      hi.pid,
      hi.commitment,
      hi.ephemeral.publicKey,
    );
    expect(await transcriptHash(4, view(x), view(y))).toEqual(th);
    expect(await transcriptHash(4, view(y), view(x))).toEqual(th);
  });

  it('binds both commitments: the code changes if either commitment does (§8.1)', async () => {
    const [x, y] = await twoSides();
    const code = await securityCode(await transcriptHash(4, view(x), view(y)));
    for (const changed of [{ ...view(x), commitment: x.commitment.map((b) => b ^ 1) }, { ...view(x), pid: y.pid.map((b) => b ^ 1) }]) {
      expect(await securityCode(await transcriptHash(4, changed, view(y)))).not.toBe(code);
    }
    expect(await securityCode(await transcriptHash(4, view(x), { ...view(y), commitment: y.commitment.map((b) => b ^ 1) }))).not.toBe(code);
  });

  it('validates its arguments', async () => {
    const [x] = await twoSides();
    await expectE2eeRejection(() => commitmentOf(256, x.pid, x.pid, x.ephemeral.publicKey), 'invalid-argument');
    await expectE2eeRejection(() => commitmentOf(4, x.pid.subarray(1), x.pid, x.ephemeral.publicKey), 'invalid-argument');
    await expectE2eeRejection(() => transcriptHash(4, view(x), view(x)), 'invalid-argument');
    await expectE2eeRejection(() => transcriptHash(4, view(x), null as never), 'invalid-argument');
  });
});

describe('derivePairSecrets', () => {
  it('gives both sides the same th, tag and code, and per-direction keys that match across', async () => {
    const [x, y] = await twoSides();
    const [ex, ey] = await Promise.all([derive(x, y), derive(y, x)]);
    expect(ex.transcriptHash).toEqual(ey.transcriptHash);
    expect(ex.kidTag).toBe(ey.kidTag);
    expect(ex.securityCode).toMatch(CODE);
    expect(ex.securityCode).toBe(ey.securityCode);
    for (const key of [ex.sendSecret, ex.receiveSecret, ex.myConfirmKey, ex.peerConfirmKey]) expect(key.extractable).toBe(false);
    for (const index of [0, 1, 255]) {
      const kid = kidFor(index);
      expect(await senderBaseKey(ex.sendSecret, kid)).toEqual(await senderBaseKey(ey.receiveSecret, kid));
      expect(await senderBaseKey(ey.sendSecret, kid)).toEqual(await senderBaseKey(ex.receiveSecret, kid));
      expect(await senderBaseKey(ex.sendSecret, kid)).not.toEqual(await senderBaseKey(ey.sendSecret, kid));
    }
    // X's CONFIRM opens with Y's view of X's confirm key, and not as Y's own (no reflection).
    const contents = { identityPublicKey: new Uint8Array(32).fill(7), signature: new Uint8Array(64).fill(8) };
    const sealed = await sealConfirm(ex.myConfirmKey, x.pid, y.pid, contents);
    expect(await openConfirm(ey.peerConfirmKey, x.pid, y.pid, sealed)).toEqual({ ...contents, extensions: new Uint8Array(0) });
    await expectE2eeRejection(() => openConfirm(ex.peerConfirmKey, x.pid, y.pid, sealed), 'bad-confirm');
    await expectE2eeRejection(() => openConfirm(ey.peerConfirmKey, y.pid, x.pid, sealed), 'bad-confirm');
  });

  it('follows §5.1 and §5.3 exactly (recomputed independently)', async () => {
    const [x, y] = await twoSides();
    const ex = await derive(x, y);
    const peer = await crypto.subtle.importKey('raw', new Uint8Array(y.ephemeral.publicKey), { name: 'X25519' }, true, []);
    const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, x.ephemeral.privateKey, 256));
    const th = ex.transcriptHash;
    expect(ex.kidTag).toBe((th[0]! << 8) | th[1]!);

    const kid = kidFor(3);
    const kidBytes = new Uint8Array(8);
    new DataView(kidBytes.buffer).setBigUint64(0, kid);
    for (const [secret, pid] of [[ex.sendSecret, x.pid], [ex.receiveSecret, y.pid]] as const) {
      const media = await hkdf(shared, th, cat(ascii('CallSeal-v2 media'), pid));
      const base = await hkdf(media, new Uint8Array(0), cat(ascii('CallSeal-v3 sframe base key'), kidBytes));
      expect(await senderBaseKey(secret, kid)).toEqual(base);
    }

    const confirmKey = await hkdf(shared, th, cat(ascii('CallSeal-v2 confirm'), x.pid), 16);
    const aes = await crypto.subtle.importKey('raw', new Uint8Array(confirmKey), 'AES-GCM', false, ['encrypt']);
    const plaintext = crypto.getRandomValues(new Uint8Array(96));
    const aad = cat(Uint8Array.of(2), x.pid, y.pid);
    const expected = new Uint8Array(
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: aad }, aes, plaintext),
    );
    const contents = { identityPublicKey: plaintext.subarray(0, 32), signature: plaintext.subarray(32) };
    expect(await sealConfirm(ex.myConfirmKey, x.pid, y.pid, contents)).toEqual(expected);
  });

  it("refuses small-order and non-canonical peer ephemerals as 'weak-key' (§4.4)", async () => {
    const [x, y] = await twoSides();
    for (const u of [0n, 1n, (1n << 255n) - 20n, (1n << 255n) - 19n]) {
      await expectE2eeRejection(() => derive(x, { ...y, ephemeral: { ...y.ephemeral, publicKey: littleEndian(u) } }), 'weak-key');
    }
    await expectE2eeRejection(() => derive(x, { ...y, ephemeral: x.ephemeral }), 'weak-key');
  });

  it('validates its arguments', async () => {
    const [x, y] = await twoSides();
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    await expectE2eeRejection(() => derivePairSecrets(null as never), 'invalid-argument');
    await expectE2eeRejection(
      () => derivePairSecrets({ suite: 4, myPrivateKey: ed.privateKey, mine: view(x), peer: view(y) }),
      'invalid-argument',
    );
    await expectE2eeRejection(() => derive(x, { ...y, pid: x.pid }), 'invalid-argument');
  });
});

describe('KIDs', () => {
  const th = new Uint8Array(32);
  th.set([0xab, 0xcd, 0xff]);

  it('is the sender index (version 3: nothing of the transcript)', () => {
    expect(kidFor(7)).toBe(7n);
    expect(kidFor(255)).toBe(255n);
    expect(senderIndexOf(7n)).toBe(7);
    expect(isCallSealKid(0xffn)).toBe(true);
    expect(isCallSealKid(0x100n)).toBe(false);
    expect(isCallSealKid(-1n)).toBe(false);
    expect(isCallSealKid(5)).toBe(false);
  });

  it('refuses out-of-range input with invalid-argument', async () => {
    for (const index of [-1, 256, 1.5, Number.NaN]) expectE2eeError(() => kidFor(index), 'invalid-argument');
    expectE2eeError(() => senderIndexOf(1n << 8n), 'invalid-argument');
    expectE2eeError(() => senderIndexOf(3 as never), 'invalid-argument');
    const [x, y] = await twoSides();
    const ex = await derive(x, y);
    await expectE2eeRejection(() => senderBaseKey(x.ephemeral.privateKey, 1n), 'invalid-argument');
    await expectE2eeRejection(() => senderBaseKey(ex.sendSecret, 1n << 24n), 'invalid-argument');
  });
});
