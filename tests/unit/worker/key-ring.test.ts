/**
 * The worker's keys per confirmed pair (protocol.md §3, §5.3): per-sender KIDs, lazily learnt receive keys, trial
 * decryption across pairs that share a KID tag, replay windows that live as long as the pair, counters that never
 * restart under one key.
 */
import { describe, expect, it } from 'vitest';
import { isSFrameError } from '../../../src/sframe/errors';
import { decodeHeader } from '../../../src/sframe/header';
import { KeyRing } from '../../../src/worker/key-ring';
import { pairKeys } from './support/pair-keys';

const prefix = Uint8Array.of(0x78);
const media = new TextEncoder().encode('media');
const error = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e);

describe('KeyRing', () => {
  it('gives each local sender its own KID, and the peer learns each key on first use', async () => {
    const { alice, bob } = await pairKeys();
    const [sending, receiving] = [new KeyRing(), new KeyRing()];
    sending.install(alice);
    receiving.install(bob);
    const frames = await Promise.all([0, 1].map((i) => sending.encrypt(i, media, prefix)));
    const kids = frames.map((f) => decodeHeader(f).kid);
    expect(kids).toEqual([0n, 1n]);
    for (const frame of frames) expect(await receiving.decrypt(frame, prefix)).toEqual({ pairId: bob.id, plaintext: media });
  });

  it('decrypts the media of two live pairs (same KIDs, version 3), each under its own pair (issue 7, finding 5)', async () => {
    const first = await pairKeys(0x1234);
    const second = await pairKeys(0x1234);
    const [sender1, sender2, receiver] = [new KeyRing(), new KeyRing(), new KeyRing()];
    sender1.install(first.alice);
    sender2.install(second.alice);
    receiver.install(first.bob);
    expect((await receiver.decrypt(await sender1.encrypt(0, media, prefix), prefix)).pairId).toBe(first.bob.id);
    receiver.install(second.bob); // newer: tried first, and the older one still answers for its own frames
    const frames = [
      await sender2.encrypt(0, media, prefix), // same KID and counter 0 as the first pair's first frame
      await sender1.encrypt(0, media, prefix),
      await sender2.encrypt(0, media, prefix),
    ];
    const results = await Promise.all(frames.map((f) => receiver.decrypt(f, prefix)));
    expect(results.map((r) => r.pairId)).toEqual([second.bob.id, first.bob.id, second.bob.id]);
    expect(results.every((r) => Buffer.from(r.plaintext).equals(Buffer.from(media)))).toBe(true);
    for (const frame of frames) expect(isSFrameError(await error(receiver.decrypt(frame, prefix)), 'replay')).toBe(true);
  });

  it('keeps a pair’s replay windows for its whole life, and nothing decrypts under a retired pair', async () => {
    const { alice, bob } = await pairKeys();
    const newer = await pairKeys();
    const [sending, receiving] = [new KeyRing(), new KeyRing()];
    sending.install(alice);
    receiving.install(bob);
    const recorded = await Promise.all(Array.from({ length: 50 }, () => sending.encrypt(0, media, prefix)));
    for (const frame of recorded) await receiving.decrypt(frame, prefix);
    receiving.install(newer.bob); // a new current pair; the old one lives on until retired
    receiving.install(bob); // installing the old pair again does not reset anything
    for (const frame of recorded) expect(isSFrameError(await error(receiving.decrypt(frame, prefix)), 'replay')).toBe(true);
    receiving.remove(bob.id);
    // Tried under the pair that is left (the KID names only the sender, §5.3), where it does not authenticate.
    for (const frame of recorded) {
      expect(isSFrameError(await error(receiving.decrypt(frame, prefix)), 'authentication-failed')).toBe(true);
    }
    receiving.remove(newer.bob.id);
    for (const frame of recorded) expect(isSFrameError(await error(receiving.decrypt(frame, prefix)), 'unknown-kid')).toBe(true);
  });

  it('goes on counting for a sender index under a pair, so no nonce is used twice under one key', async () => {
    const [one, two] = await Promise.all([pairKeys(), pairKeys()]);
    const ring = new KeyRing();
    ring.install(one.alice);
    const before = decodeHeader(await ring.encrypt(0, media, prefix)).ctr;
    ring.install(two.alice);
    ring.install(one.alice); // the same pair is current again (never happens in a session, but must be safe)
    expect(decodeHeader(await ring.encrypt(0, media, prefix)).ctr).toBe(before + 1n);
  });

  it('decrypts only under installed (confirmed) pairs and refuses bad input with SFrame errors', async () => {
    const { alice, bob } = await pairKeys();
    const [sending, receiving] = [new KeyRing(), new KeyRing()];
    expect(isSFrameError(await error(sending.encrypt(0, media, prefix)), 'unknown-kid')).toBe(true);
    sending.install(alice);
    const frame = await sending.encrypt(0, media, prefix);
    expect(isSFrameError(await error(receiving.decrypt(frame, prefix)), 'unknown-kid')).toBe(true);
    receiving.install(bob);
    expect(isSFrameError(await error(receiving.decrypt(frame, Uint8Array.of(0x79))), 'authentication-failed')).toBe(true);
    expect(isSFrameError(await error(receiving.decrypt(new Uint8Array(0), prefix)), 'truncated-header')).toBe(true);
    const invalid = expect.objectContaining({ name: 'SFrameError', code: 'invalid-argument' });
    expect(() => receiving.install({ ...bob, kidTag: 0x10000 })).toThrow(invalid);
    expect(() => receiving.install(null as never)).toThrow(invalid);
    await expect(sending.encrypt(256, media, prefix)).rejects.toThrow(expect.objectContaining({ name: 'E2eeError', code: 'invalid-argument' }));
  });
});
