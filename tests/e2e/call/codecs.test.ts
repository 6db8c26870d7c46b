/**
 * Issue 8, item 1: calls in codecs other than VP8, forced through negotiation (`setCodecPreferences` in the demo,
 * `?codec=`), with CallSeal on at both ends, through the werift relay (an SFU's view of the frames).
 *
 * H264 (packetization modes 1 and 0) and AV1: both popups show `encrypted` with the same code and nothing to explain,
 * each side sees the other's colour, getStats names the codec on both ends, and the relay's copy is what an SFU can
 * work with — H264 parameter sets, NAL types and slice headers, AV1 OBU types and sequence headers in clear (key
 * frames recognisable) — while every frame carries CallSeal's trailer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { parseObus, obuType } from '../../../src/worker/codecs/av1';
import { splitAnnexB } from '../../../src/worker/codecs/h264';
import { closeAllCalls, type Call, type Participant } from '../support/call';
import { expectEachSeesTheOther, startEncryptedCall, waitForCopies } from './helpers';

async function expectCodec(participant: Participant, mimeType: string, fmtp?: string): Promise<void> {
  const codecs = await participant.videoCodecs();
  const send = codecs.filter((c) => c.direction === 'send');
  const receive = codecs.filter((c) => c.direction === 'receive');
  expect(send.length, `${participant.name} sends video: ${JSON.stringify(codecs)}`).toBeGreaterThan(0);
  expect(receive.length, `${participant.name} receives video: ${JSON.stringify(codecs)}`).toBeGreaterThan(0);
  for (const codec of [...send, ...receive]) {
    expect(codec.mimeType.toLowerCase()).toBe(mimeType);
    if (fmtp) expect(codec.sdpFmtpLine).toContain(fmtp);
  }
}

/** NAL unit types of an Annex B frame. */
const nalTypes = (frame: Uint8Array): number[] => (splitAnnexB(frame) ?? []).map((u) => (frame[u.start] ?? 0) & 0x1f);

describe('codecs (CallSeal on both sides, through the relay)', () => {
  let call: Call | undefined;
  afterEach(async () => {
    call = undefined;
    await closeAllCalls();
  });

  const cases = [
    { codec: 'h264', mimeType: 'video/h264', fmtp: 'packetization-mode=1' },
    { codec: 'h264-mode0', mimeType: 'video/h264', fmtp: 'packetization-mode=0' },
    { codec: 'av1', mimeType: 'video/av1', fmtp: undefined },
  ] as const;
  for (const { codec, mimeType, fmtp } of cases) {
    it(`${codec}: encrypted, the picture intact, and the SFU sees ${mimeType} it can forward`, async () => {
      const started = await startEncryptedCall({ topology: 'single', codec });
      call = started.call;
      expect(started.aliceCode).toBeDefined();
      expect(started.bobCode).toBe(started.aliceCode);
      await call.waitUntilConnected(20_000);
      await expectEachSeesTheOther(call);
      await Promise.all([expectCodec(call.alice, mimeType, fmtp), expectCodec(call.bob, mimeType, fmtp)]);
      // Still encrypted, with nothing to explain (no frames dropped for their codec).
      for (const popup of [started.alicePopup, started.bobPopup]) {
        expect(await popup.state()).toBe('encrypted');
        expect(await popup.page.$('[data-testid="call-detail"]')).toBeNull();
      }

      const relay = call.relay!;
      await waitForCopies(call);
      for (const sender of [call.alice, call.bob]) {
        const copies = relay.copies(sender.name);
        expect(copies.videoCodec).toBe(mimeType);
        const frames = copies.video;
        // A CallSeal frame ends in the magic (with a packet) or the media marker (media only, protocol v3, §2).
        const plain = frames.filter((frame) => !(hasCallSealTrailer(frame) || endsInMediaMarker(frame)));
        expect(plain, `${sender.name} sent ${plain.length} frames without CallSeal's trailer`).toHaveLength(0);
        if (mimeType === 'video/h264') {
          // What an SFU reads: every frame is Annex B with a slice, key frames lead with SPS and PPS.
          const types = frames.map(nalTypes);
          expect(types.every((t) => t.includes(1) || t.includes(5))).toBe(true);
          const keyFrames = types.filter((t) => t.includes(5));
          expect(keyFrames.length).toBeGreaterThan(0);
          for (const t of keyFrames) expect(t.slice(0, 2)).toEqual([7, 8]);
        } else {
          // Every frame is a sequence of OBUs; key frames lead with the sequence header.
          const types = frames.map((frame) => parseObus(frame).map((obu) => obuType(obu.header)));
          expect(types.every((t) => t.length > 0 && t.every((type) => type >= 1 && type <= 7))).toBe(true);
          expect(types.some((t) => t[0] === 1)).toBe(true);
        }
      }
    }, 60_000);
  }
});
