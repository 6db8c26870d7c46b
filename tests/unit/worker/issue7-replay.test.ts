/**
 * Issue 7, finding 3: "Replay protection resets when an epoch is retired and re-admitted: 50 of 50 recorded frames
 * decrypted again." protocol.md §3 (windows per key, never reset while the key can decrypt), §6.2 (retired pairs
 * never come back), §8.5.
 */
import { describe, expect, it } from 'vitest';
import { MEDIA, clock, exchange, party, settle, until, untilBothEncrypted } from './support/call-harness';

describe('issue 7, finding 3: replays', () => {
  it('never decrypts a recorded frame twice, even when its peer session is replayed after a re-key', async () => {
    const [alice, bob1] = await Promise.all([party(), party()]);
    const handshake: Uint8Array[] = [];
    await until(
      () => alice.state() === 'encrypted' && bob1.state() === 'encrypted',
      async () => {
        const fromBob = await bob1.send();
        if (fromBob) {
          handshake.push(fromBob);
          await alice.receive(fromBob);
        }
        const fromAlice = await alice.send();
        if (fromAlice) await bob1.receive(fromAlice);
        clock.advance(20);
      },
    );
    const media: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) {
      const frame = (await bob1.send())!;
      media.push(frame);
      expect(await alice.receive(frame)).toEqual(MEDIA);
    }

    // Bob reloads the page: a new session with the same identity, epoch 2. The old keys are retired after 10 s.
    bob1.dispose();
    const bob2 = await party({ identity: bob1.identity });
    await until(() => alice.epoch() >= 2 && bob2.state() === 'encrypted', () => exchange(alice, bob2));
    await untilBothEncrypted(alice, bob2);
    const code = alice.code();
    for (let t = 0; t < 11_000; t += 500) await exchange(alice, bob2, 500);

    // The infrastructure replays everything Bob's first session sent, twice, while the call goes on.
    let decrypted = 0;
    for (const frame of [...handshake, ...media, ...handshake, ...media]) {
      if (await alice.receive(frame)) decrypted++;
      await exchange(alice, bob2);
    }
    await settle();
    expect(decrypted).toBe(0);
    expect(alice.epoch()).toBe(2);
    expect(alice.code()).toBe(code);
    expect(alice.state()).toBe('encrypted');
  });
});
