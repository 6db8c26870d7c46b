/**
 * Issue 7, finding 2: "Any identity can take over a call silently." Played through two (or more) real transform-worker
 * controllers, with the test as the call infrastructure: it replaces a participant, records and replays frames,
 * and loses one direction. protocol.md §6.1 (key confirmation), §6.2 and §6.3 (identity-changed), §8.5 (replays).
 */
import { describe, expect, it } from 'vitest';
import { clock, exchange, party, ready, settle, until, untilBothEncrypted, type Party } from './support/call-harness';

/** Frames both ways, keeping a copy of everything `recorded` sent. */
async function exchangeRecording(a: Party, b: Party, recorded: Party, copies: Uint8Array[]): Promise<void> {
  const fromA = await a.send();
  if (fromA) {
    if (recorded === a) copies.push(fromA);
    await b.receive(fromA);
  }
  const fromB = await b.send();
  if (fromB) {
    if (recorded === b) copies.push(fromB);
    await a.receive(fromB);
  }
  clock.advance(20);
  await settle();
}

describe('issue 7, finding 2: identities', () => {
  it('shows identity-changed when another identity takes over mid-call, and re-keying under it does not clear it', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const bobsCode = alice.code();
    const bobsKey = alice.peerKey();

    // The infrastructure puts Mallory (CallSeal with an identity of her own) where Bob was.
    const mallory = await party();
    // Shown within a second (it could have been a third person joining, protocol.md §6.6): Bob is not heard again.
    await until(() => alice.epoch() >= 2 && alice.state() === 'identity-changed', () => exchange(alice, mallory));
    expect(alice.reports.some((r) => r.epoch >= 2 && r.state === 'encrypted')).toBe(false);
    expect(alice.code()).not.toBe(bobsCode);
    expect(alice.peerKey()).not.toBe(bobsKey);

    // Mallory reloads (same identity, a new session): a new epoch, and the warning stays.
    const mallory2 = await party({ identity: mallory.identity });
    await until(() => alice.epoch() >= 3, () => exchange(alice, mallory2));
    expect(alice.state()).toBe('identity-changed');
  });

  it('never shows encrypted before the peer proved it holds the keys (its frames arrive, ours never reach it)', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    for (let i = 0; i < 150; i++) {
      const fromBob = await bob.send();
      if (fromBob) await alice.receive(fromBob);
      await alice.send(); // lost on the way to Bob
      clock.advance(20);
      await settle();
    }
    expect(alice.state()).toBe('negotiating');
    expect(alice.code()).toBeUndefined();
  });

  it("never shows encrypted for a replay of the peer's frames after a reload, and decrypts none of them", async () => {
    const [alice1, bob] = await Promise.all([party(), party()]);
    const bobsFrames: Uint8Array[] = [];
    await until(
      () => alice1.state() === 'encrypted' && bob.state() === 'encrypted',
      () => exchangeRecording(alice1, bob, bob, bobsFrames),
    );
    for (let i = 0; i < 20; i++) await exchangeRecording(alice1, bob, bob, bobsFrames);

    // Alice reloads the page; Bob is gone; the infrastructure replays everything Bob sent.
    alice1.dispose();
    const alice2 = await party({ identity: alice1.identity });
    await ready(alice2);
    let delivered = 0;
    for (const frame of [...bobsFrames, ...bobsFrames]) {
      if (await alice2.receive(frame)) delivered++;
      await alice2.send();
      clock.advance(20);
      await settle();
    }
    expect(delivered).toBe(0);
    expect(alice2.state()).toBe('negotiating');
  });

  it('never takes our own identity for a peer: not a replay of our earlier session, not a second tab', async () => {
    const [alice1, bob] = await Promise.all([party(), party()]);
    const alicesFrames: Uint8Array[] = [];
    await until(
      () => alice1.state() === 'encrypted' && bob.state() === 'encrypted',
      () => exchangeRecording(alice1, bob, alice1, alicesFrames),
    );
    alice1.dispose();
    const alice2 = await party({ identity: alice1.identity });
    await ready(alice2);
    for (const frame of alicesFrames) {
      await alice2.receive(frame);
      await alice2.send();
      clock.advance(20);
      await settle();
    }
    expect(alice2.state()).toBe('negotiating');

    // A live second session with the same identity (another tab of the same profile) is refused too.
    const alice3 = await party({ identity: alice1.identity });
    for (let i = 0; i < 150; i++) await exchange(alice2, alice3);
    expect(alice2.state()).toBe('negotiating');
    expect(alice3.state()).toBe('negotiating');
  });
});
