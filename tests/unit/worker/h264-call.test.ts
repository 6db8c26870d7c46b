/**
 * An H264 video sender and receiver between two CallControllers (protocol.md §2.1), with Chromium's RTP path between
 * them: while keys are agreed, H264 frames carry only the handshake (no slice body leaves); once encrypted, every
 * frame arrives as it was sent, and a receiver never plays what did not authenticate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EncodedFrame } from '../../../src/worker/call-controller';
import { party, untilBothEncrypted } from './support/call-harness';
import { h264Frame, packetizedUnits, throughRtp } from './codecs/support/h264-frames';

function h264(data: Uint8Array, key: boolean): EncodedFrame {
  return {
    data: data.slice().buffer,
    type: key ? 'key' : 'delta',
    getMetadata: () => ({ mimeType: 'video/H264' }),
  } as unknown as EncodedFrame;
}

const bytesOf = (frame: EncodedFrame | null): Uint8Array | null => (frame ? new Uint8Array(frame.data).slice() : null);

describe('CallController: H264', () => {
  it('sends no slice body while negotiating, then encrypted frames that play on the other side', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    const video = alice.controller.allocateSenderIndex();
    const sample = fc.sample(h264Frame, { numRuns: 60, seed: 8 });

    // Negotiating: handshake-only frames with the frame's structure; no body byte on the wire.
    const first = sample[0]!;
    const early = bytesOf(await alice.controller.outgoing(h264(first.data, first.key), video))!;
    expect(packetizedUnits(early).length).toBe(packetizedUnits(first.data).length);
    expect(await bob.controller.incoming(h264(throughRtp(early), first.key))).toBeNull();

    await untilBothEncrypted(alice, bob);
    for (const frame of sample) {
      const wire = bytesOf(await alice.controller.outgoing(h264(frame.data, frame.key), video))!;
      const played = bytesOf(await bob.controller.incoming(h264(throughRtp(wire), frame.key)));
      expect(played).toEqual(throughRtp(frame.data));
    }
    expect(bob.reports.at(-1)?.detail).toBeUndefined();
  });

  it('protocol v3: media-only H264 frames end in the media marker; a plain frame ending in it is plain media', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    const video = alice.controller.allocateSenderIndex();
    await untilBothEncrypted(alice, bob);
    const sample = fc.sample(h264Frame, { numRuns: 20, seed: 9 });
    let marked = 0;
    for (const frame of sample) {
      const wire = bytesOf(await alice.controller.outgoing(h264(frame.data, frame.key), video))!;
      if (wire[wire.length - 1] === 0x5c) marked++;
      expect(bytesOf(await bob.controller.incoming(h264(throughRtp(wire), frame.key)))).toEqual(throughRtp(frame.data));
    }
    expect(marked).toBeGreaterThan(0);
    // A plain H264 frame that happens to end in 0x5C (once in 256) is a candidate that does not decrypt: plain media,
    // refused in an encrypted call (never played, never counted malformed).
    const plain = sample[0]!.data;
    const endsInMarker = Uint8Array.of(...plain, 0x5c);
    const before = bob.controller.frameCounters();
    expect(await bob.controller.incoming(h264(endsInMarker, sample[0]!.key))).toBeNull();
    const after = bob.controller.frameCounters();
    expect((after.drops?.['plain-refused'] ?? 0) - (before.drops?.['plain-refused'] ?? 0)).toBe(1);
    expect(after.drops?.malformed ?? 0).toBe(before.drops?.malformed ?? 0);
  });
});
