/**
 * Protocol version 3 on the wire (protocol.md §2, §3, §4.1, §5.3; issue 11): what a media frame costs, that a
 * media-only frame is CallSeal's only if it decrypts, and what a version-3 side does facing a version-2 peer.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_MAGIC, FRAME_MEDIA_MARKER } from '../../../src/e2ee/constants';
import { decodeHeader } from '../../../src/sframe';
import { MEDIA, clock, contains, exchange, party, settle, untilBothEncrypted } from './support/call-harness';

/** A frame as a version-2 CallSeal sends it while negotiating: Opus TOC, an announce packet, length, flags, magic. */
function version2AnnounceFrame(): Uint8Array {
  const packet = Uint8Array.from([2, ...crypto.getRandomValues(new Uint8Array(8))]);
  return Uint8Array.from([0x78, ...packet, 0, packet.length, 0x02, ...FRAME_MAGIC]);
}

describe('protocol version 3 on the wire', () => {
  it('adds 18 to 21 bytes to a media frame: header with the KID inline, tag, marker (§3)', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    for (let i = 0; i < 20; i++) await exchange(alice, bob);
    const wire = (await alice.send()) as Uint8Array;
    expect(wire[wire.length - 1]).toBe(FRAME_MEDIA_MARKER);
    const header = decodeHeader(wire.subarray(1, wire.length - 1));
    expect(header.kid).toBe(0n); // the sender index, inline in the config byte
    expect(header.headerLength).toBeLessThanOrEqual(4);
    expect(wire.length - MEDIA.length).toBeGreaterThanOrEqual(18);
    expect(wire.length - MEDIA.length).toBeLessThanOrEqual(21);
    expect(await bob.receive(wire)).toEqual(MEDIA);
  });

  it('treats a frame that ends in the marker but does not decrypt as plain media', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const forged = Uint8Array.from([...MEDIA, FRAME_MEDIA_MARKER]);
    expect(await bob.receive(forged)).toBeNull(); // encrypted: plain media is dropped, never played
    expect(bob.state()).toBe('encrypted');
    // A peer without CallSeal, once fallen back to: its frames that happen to end in 0x5C still play.
    const carol = await party({ fallbackAfterMs: 1000 });
    for (let t = 0; t < 3000 && carol.state() !== 'unencrypted'; t += 20) {
      await carol.receive(MEDIA);
      clock.advance(20);
      await settle();
    }
    expect(carol.state()).toBe('unencrypted');
    expect(await carol.receive(forged)).toEqual(forged);
  });

  it('shows blocked (peer-protocol-2) to a version-2 peer and sends nothing in clear (§4.1)', async () => {
    const alice = await party();
    for (let t = 0; t < 5000; t += 20) {
      expect(await alice.receive(version2AnnounceFrame())).toBeNull();
      const out = await alice.send();
      expect(out === null || !contains(out, MEDIA.subarray(1))).toBe(true);
      clock.advance(20);
      await settle();
    }
    expect(alice.state()).toBe('blocked');
    expect(alice.detail()).toBe('peer-protocol-2');
  });
});
