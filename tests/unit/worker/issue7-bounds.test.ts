/**
 * Issue 7, finding 5 (second half): "Peer sessions and senders are kept without bound, and flapping between two peer
 * sessions forces a key derivation and a key-frame request storm each time." protocol.md §6.2 (pairs never come
 * back), §6.5 (bounds and rate limits).
 */
import { describe, expect, it } from 'vitest';
import { clock, exchange, party, settle, until, untilBothEncrypted, type Party } from './support/call-harness';

/** Frames both ways until both are encrypted with each other, keeping a copy of everything `b` sent. */
async function recordUntilEncrypted(a: Party, b: Party, epoch: number): Promise<Uint8Array[]> {
  const copies: Uint8Array[] = [];
  const step = async (): Promise<void> => {
    const fromB = await b.send();
    if (fromB) {
      copies.push(fromB);
      await a.receive(fromB);
    }
    const fromA = await a.send();
    if (fromA) await b.receive(fromA);
    clock.advance(20);
  };
  await until(() => b.state() === 'encrypted' && a.epoch() >= epoch, step);
  for (let i = 0; i < 10; i++) await step();
  return copies;
}

describe('issue 7, finding 5: bounded state, no flapping', () => {
  it('rate-limits what a flood of peer sessions costs: new keys, signatures and key-frame requests', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const before = { epoch: alice.epoch(), keyFrames: alice.keyFrameRequests };
    // 30 CallSeal instances of the infrastructure's, each with its own identity, all talking to Alice for 10 s.
    const flood = await Promise.all(Array.from({ length: 30 }, () => party()));
    for (let t = 0; t < 10_000; t += 200) {
      for (const mallory of flood) await exchange(alice, mallory, 0);
      await exchange(alice, bob, 200);
    }
    await settle();
    // At most 6 new pairs at once, then one per 2 s (protocol.md §6.5): 11 in 10 s.
    expect(alice.epoch() - before.epoch).toBeLessThanOrEqual(11);
    // At most one key-frame request per receiver per 500 ms.
    expect(alice.keyFrameRequests - before.keyFrames).toBeLessThanOrEqual(21);
  }, 30_000); // 31 parties with real WebCrypto: about 2 s alone, more than the default 5 s on a busy machine

  it('replaying two peer sessions alternately makes no new keys and no key-frame storm', async () => {
    const alice = await party();
    const bob1 = await party();
    const fromBob1 = await recordUntilEncrypted(alice, bob1, 1);
    bob1.dispose();
    const bob2 = await party({ identity: bob1.identity }); // Bob reloads
    const fromBob2 = await recordUntilEncrypted(alice, bob2, 2);
    const before = { epoch: alice.epoch(), keyFrames: alice.keyFrameRequests };

    for (let round = 0; round < 40; round++) {
      await alice.receive(fromBob1[round % fromBob1.length]!);
      await alice.receive(fromBob2[round % fromBob2.length]!);
      await exchange(alice, bob2, 100);
    }
    expect(alice.epoch()).toBe(before.epoch);
    expect(alice.keyFrameRequests - before.keyFrames).toBeLessThanOrEqual(1);
  });
});
