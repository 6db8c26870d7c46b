/**
 * Issue 7, finding 6 ("The identity key travels in clear in every hello") and version negotiation ("a v2 side meeting
 * a v1 side does something explicit and tested"). protocol.md §8.3 (identity hiding), §4.1 (versions).
 */
import { describe, expect, it } from 'vitest';
import { FRAME_MAGIC } from '../../../src/e2ee/constants';
import { MEDIA, clock, contains, party, settle, until } from './support/call-harness';

/** A frame as a version-1 CallSeal sends it while negotiating: Opus TOC, a 179-byte hello, length, flags, magic. */
function version1HelloFrame(): Uint8Array {
  const hello = crypto.getRandomValues(new Uint8Array(179));
  hello.set([1, 4, 0]); // version 1, suite 4, flags 0
  hello.fill(0, 147); // the ack of a hello that has heard nobody yet
  return Uint8Array.from([0x78, ...hello, 0, 179, 0x02, ...FRAME_MAGIC]);
}

describe('issue 7, finding 6: identities stay off the wire', () => {
  it('never puts either identity key on the wire in clear', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    const wire: Uint8Array[] = [];
    const step = async (): Promise<void> => {
      const fromAlice = await alice.send();
      if (fromAlice) wire.push(fromAlice);
      if (fromAlice) await bob.receive(fromAlice);
      const fromBob = await bob.send();
      if (fromBob) wire.push(fromBob);
      if (fromBob) await alice.receive(fromBob);
      clock.advance(20);
    };
    await until(() => alice.state() === 'encrypted' && bob.state() === 'encrypted', step);
    for (let i = 0; i < 10; i++) await step();
    for (const frame of wire) {
      expect(contains(frame, alice.identity.publicKey)).toBe(false);
      expect(contains(frame, bob.identity.publicKey)).toBe(false);
    }
  });
});

describe('issue 7: version negotiation', () => {
  it('shows blocked (peer-protocol-1) for a peer that speaks version 1 only, and sends nothing in clear', async () => {
    const alice = await party();
    for (let t = 0; t < 5000; t += 20) {
      expect(await alice.receive(version1HelloFrame())).toBeNull();
      const out = await alice.send();
      expect(out === null || !contains(out, MEDIA.subarray(1))).toBe(true);
      clock.advance(20);
      await settle();
    }
    expect(alice.state()).toBe('blocked');
    expect(alice.detail()).toBe('peer-protocol-1');
  });
});
