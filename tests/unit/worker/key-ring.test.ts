/** The worker's keys per epoch: per-sender KIDs, lazy receive keys, the previous epoch kept briefly, no nonce reuse. */
import { describe, expect, it } from 'vitest';
import { deriveEpoch, kidTagOf, senderIndexOf, type EpochSecrets } from '../../../src/e2ee/key-schedule';
import { decodeHeader, isSFrameError } from '../../../src/sframe';
import { KeyRing, RETAIN_PREVIOUS_MS } from '../../../src/worker/key-ring';
import { makeParty } from '../e2ee/helpers';

/** Both sides' secrets for one epoch between two fresh parties. */
async function epoch(): Promise<{ alice: EpochSecrets; bob: EpochSecrets }> {
  const [a, b] = await Promise.all([makeParty(), makeParty()]);
  const [alice, bob] = await Promise.all([
    deriveEpoch({ myPrivateKey: a.ephemeral.privateKey, myHello: a.hello, peerHello: b.hello }),
    deriveEpoch({ myPrivateKey: b.ephemeral.privateKey, myHello: b.hello, peerHello: a.hello }),
  ]);
  return { alice, bob };
}

const prefix = new Uint8Array([0x78]);
const media = new TextEncoder().encode('media');

describe('KeyRing', () => {
  it('gives each local sender its own KID, and the peer learns each key on first use', async () => {
    const { alice, bob } = await epoch();
    const sending = new KeyRing();
    const receiving = new KeyRing();
    sending.install(alice, 1);
    receiving.install(bob, 1);
    const frames = await Promise.all([0, 1].map(async (i) => (await sending.sender(i)).encrypt(media, prefix)));
    const kids = frames.map((f) => decodeHeader(f).kid);
    expect(kids.map(senderIndexOf)).toEqual([0, 1]);
    expect(kids.map(kidTagOf)).toEqual([alice.kidTag, alice.kidTag]);
    for (const frame of frames) expect((await receiving.decrypt(frame, prefix)).plaintext).toEqual(media);
  });

  it('keeps the previous epoch for frames in flight, then retires it', async () => {
    let now = 0;
    const [first, second] = await Promise.all([epoch(), epoch()]);
    const sending = new KeyRing(() => now);
    const receiving = new KeyRing(() => now);
    sending.install(first.alice, 1);
    receiving.install(first.bob, 1);
    const late = await (await sending.sender(0)).encrypt(media, prefix);
    const alsoLate = await (await sending.sender(0)).encrypt(media, prefix);
    receiving.install(second.bob, 2);
    expect((await receiving.decrypt(late, prefix)).plaintext).toEqual(media);
    now += RETAIN_PREVIOUS_MS + 1;
    const error = await receiving.decrypt(alsoLate, prefix).catch((e: unknown) => e);
    expect(isSFrameError(error, 'unknown-kid')).toBe(true);
  });

  it('continues the counters when an epoch comes back, so no nonce is used twice under one key', async () => {
    const [first, second] = await Promise.all([epoch(), epoch()]);
    const ring = new KeyRing();
    ring.install(first.alice, 1);
    const before = decodeHeader(await (await ring.sender(0)).encrypt(media, prefix)).ctr;
    ring.install(second.alice, 2);
    ring.install(first.alice, 3); // the same transcript again
    const after = decodeHeader(await (await ring.sender(0)).encrypt(media, prefix)).ctr;
    expect(after).toBe(before + 1n);
  });
});
