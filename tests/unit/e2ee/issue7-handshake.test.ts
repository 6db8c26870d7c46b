/**
 * Issue 7, finding 1: "The code has only a birthday bound" (no commitment: a man in the middle chose its hello after
 * seeing the real ones) and "small-order Ed25519 identity keys are accepted". A real session (Alice) against a
 * hand-driven man in the middle built from the real codecs. protocol.md §6.1 (commit before reveal), §4.4, §8.1.
 */
import { describe, expect, it } from 'vitest';
import { generateEphemeral } from '../../../src/e2ee/key-schedule';
import { FakeClock, littleEndian } from './helpers';
import { ManualPeer, harness, kinds, recordOf, settle, type Harness } from './session-helpers';

/** Alice's next packet, and what she made of everything so far. */
const next = (alice: Harness) => alice.session.outgoingPacket();

async function send(alice: Harness, packet: Uint8Array): Promise<void> {
  await alice.session.receivePacket(packet);
  await settle(alice);
}

describe('issue 7, finding 1: the code depends on commitments nobody can choose after the fact', () => {
  it('reveals nothing before it holds the peer’s commitment, and takes no REVEAL without one', async () => {
    const alice = await harness(new FakeClock());
    const mallory = await ManualPeer.create();
    await send(alice, mallory.packet()); // an announce
    expect(kinds(next(alice))).toEqual(['commit']);
    await send(alice, mallory.packet(mallory.reveal(alice.session.pid))); // a REVEAL without a COMMIT first
    expect(alice.session.stats().lastRejection).toBe('reveal-before-commit');
    expect(kinds(next(alice))).toEqual(['commit']); // still no REVEAL of Alice's key
    expect(alice.signInputs).toHaveLength(0); // no keys derived
  });

  it('refuses a key chosen after seeing hers: a second COMMIT is ignored, a REVEAL must open the first', async () => {
    const alice = await harness(new FakeClock());
    const mallory = await ManualPeer.create();
    await send(alice, mallory.packet(await mallory.commit(alice.session.pid)));
    const revealed = recordOf(next(alice), 'reveal');
    expect(revealed?.ephemeralPublicKey).toHaveLength(32); // Alice revealed, after Mallory committed

    // Mallory now knows Alice's key and picks another of her own (she could grind it against Alice's).
    const chosenAfter = await generateEphemeral();
    await send(alice, mallory.packet(await mallory.commit(alice.session.pid, chosenAfter)));
    expect(alice.session.stats().lastRejection).toBe('second-commit');
    await send(alice, mallory.packet(mallory.reveal(alice.session.pid, chosenAfter)));
    expect(alice.session.stats().lastRejection).toBe('bad-commitment');
    const flipped = mallory.ephemeral.publicKey.slice();
    flipped[3] = (flipped[3] ?? 0) ^ 1;
    await send(alice, mallory.packet({ kind: 'reveal', to: alice.session.pid, ephemeralPublicKey: flipped }));
    expect(alice.session.stats().lastRejection).toBe('bad-commitment');
    expect(alice.signInputs).toHaveLength(0);

    // The only key Alice ever takes is the one Mallory committed to before she saw Alice's.
    await send(alice, mallory.packet(mallory.reveal(alice.session.pid)));
    expect(alice.signInputs).toHaveLength(1);
  });
});

describe('issue 7, finding 1: small-order and forged identities', () => {
  /** Mallory runs an honest commit and reveal with Alice; returns Alice's commitment and key. */
  async function keysWith(alice: Harness, mallory: ManualPeer): Promise<void> {
    await send(alice, mallory.packet(await mallory.commit(alice.session.pid)));
    const commit = recordOf(next(alice), 'commit')!;
    const reveal = recordOf(next(alice), 'reveal')!;
    await send(alice, mallory.packet(mallory.reveal(alice.session.pid)));
    await mallory.derive(alice.session.pid, commit.commitment, reveal.ephemeralPublicKey);
  }

  it('refuses the identity point with its universal forgery, a non-canonical S, and our own key', async () => {
    const alice = await harness(new FakeClock());
    const mallory = await ManualPeer.create();
    await keysWith(alice, mallory);

    const identityPoint = littleEndian(1n);
    const forgery = Uint8Array.from([...identityPoint, ...new Uint8Array(32)]); // verifies under Node for any message
    await send(alice, mallory.packet(await mallory.confirm(alice.session.pid, identityPoint, forgery)));
    expect(alice.session.stats().lastRejection).toBe('weak-key');
    expect(alice.session.status().state).toBe('negotiating');
  });

  it('refuses, one CONFIRM at a time, a malleated signature and a claim to our own identity', async () => {
    for (const variant of ['malleated', 'own-identity'] as const) {
      const alice = await harness(new FakeClock());
      const mallory = await ManualPeer.create();
      await keysWith(alice, mallory);
      const L = (1n << 252n) + 27742317777372353535851937790883648493n;
      const signature = new Uint8Array(64);
      signature.set(littleEndian(L), 32); // S = L: never canonical
      const record =
        variant === 'malleated'
          ? await mallory.confirm(alice.session.pid, mallory.identity.publicKey, signature)
          : await mallory.confirm(alice.session.pid, alice.identity.publicKey, signature);
      await send(alice, mallory.packet(record));
      expect(alice.session.stats().lastRejection).toBe(variant === 'malleated' ? 'bad-signature' : 'own-identity');
      expect(alice.session.status().state).toBe('negotiating');
    }
  });

  it('accepts the honest CONFIRM of the same man in the middle (the checks are not what stops a MITM: the code is)', async () => {
    const alice = await harness(new FakeClock());
    const mallory = await ManualPeer.create();
    await keysWith(alice, mallory);
    await send(alice, mallory.packet(await mallory.confirm(alice.session.pid)));
    expect(alice.session.status()).toMatchObject({ state: 'encrypted', securityCode: mallory.secrets?.securityCode });
  });
});
