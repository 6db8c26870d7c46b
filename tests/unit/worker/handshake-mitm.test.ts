/**
 * The e2e suite's man in the middle (tests/e2e/support/handshake-mitm.ts), checked in Node between two real
 * transform-worker controllers: both sides reach `encrypted`, with different codes (protocol.md §8.1), each code
 * being the one the relay shares with that side, and both see the relay's identity as their peer's.
 */
import { describe, expect, it } from 'vitest';
import { encodeCallSealFrame } from '../../../src/e2ee/frame-container';
import { createHandshakeMitm, type HandshakeMitm } from '../../e2e/support/handshake-mitm';
import type { RelayFrame } from '../../e2e/support/relay';
import { MEDIA, clock, contains, party, settle, until, type Party } from './support/call-harness';

/** One frame each way through the relay's hook, as the relay forwards Opus packets. */
async function exchangeVia(mitm: HandshakeMitm, alice: Party, bob: Party): Promise<void> {
  const route = async (from: Party, fromName: string, to: Party, toName: string): Promise<void> => {
    const wire = await from.send();
    if (wire === null) return;
    const frame: RelayFrame = { kind: 'audio', payload: wire, part: 'whole', from: fromName, to: toName };
    const forwarded = mitm.rewrite(frame);
    if (forwarded !== null) await to.receive(forwarded);
  };
  await route(alice, 'alice', bob, 'bob');
  await route(bob, 'bob', alice, 'alice');
  await mitm.settled();
  clock.advance(20);
  await settle();
}

describe('handshake-mitm (e2e support)', () => {
  it('terminates the handshake with each side: both encrypted, with different codes, both seeing the relay', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    const mitm = await createHandshakeMitm();
    try {
      await until(
        () =>
          alice.state() === 'encrypted' &&
          bob.state() === 'encrypted' &&
          mitm.statusWith('alice')?.state === 'encrypted' &&
          mitm.statusWith('bob')?.state === 'encrypted',
        () => exchangeVia(mitm, alice, bob),
      );
      expect(alice.code()).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
      expect(bob.code()).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
      expect(alice.code()).not.toBe(bob.code());
      expect(alice.code()).toBe(mitm.statusWith('alice')?.securityCode);
      expect(bob.code()).toBe(mitm.statusWith('bob')?.securityCode);
      expect(alice.peerKey()).toBe(bob.peerKey()); // the relay's identity, on both sides
      expect(alice.peerKey()).not.toBe(Buffer.from(bob.identity.publicKey).toString('base64'));
      expect(mitm.counts.rewritten).toBeGreaterThan(0);
      // Media still never travels in clear; under the relay's keys it does not decrypt at the other side.
      const wire = (await alice.send())!;
      expect(contains(wire, MEDIA.subarray(1))).toBe(false);
      const forwarded = mitm.rewrite({ kind: 'audio', payload: wire, part: 'whole', from: 'alice', to: 'bob' });
      expect(await bob.receive(forwarded!)).toBeNull();
    } finally {
      mitm.dispose();
    }
  });

  it('passes plain media unchanged and drops a frame tail that does not hold the whole packet', async () => {
    const mitm = await createHandshakeMitm();
    try {
      expect(mitm.rewrite({ kind: 'audio', payload: MEDIA, part: 'whole', from: 'x', to: 'y' })).toBe(MEDIA);
      const packet = Uint8Array.of(2, ...new Uint8Array(8), 0x7f, 0, 60, ...new Uint8Array(60));
      const wire = encodeCallSealFrame({ clearPrefix: new Uint8Array(10), payload: new Uint8Array(900).fill(1), handshake: packet });
      const tail = wire.subarray(wire.length - 50); // the last RTP packet of a VP8 frame: half of the packet
      expect(mitm.rewrite({ kind: 'video', payload: tail, part: 'tail', from: 'alice', to: 'bob' })).toBeNull();
      expect(mitm.counts.dropped).toBe(1);
    } finally {
      mitm.dispose();
    }
  });
});
