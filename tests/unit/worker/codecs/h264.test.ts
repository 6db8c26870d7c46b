/**
 * H264 frames through CallSeal (protocol.md §2.1), with real SFrame encryption and Chromium's RTP path simulated
 * between the two transforms (packetizer cuts at start codes, depacketizer writes `00 00 00 01`):
 * - every frame comes back byte for byte (start codes as the depacketizer writes them);
 * - what the packetizer and an SFU see: the same NAL units as the encoder made, parameter sets whole, NAL headers and
 *   the slice header's first three fields intact, and no start code inside an encrypted unit;
 * - nothing in clear can be changed, and no ciphertext moved between units, without the frame failing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E2eeError } from '../../../../src/e2ee/errors';
import { encodeCallSealFrame, hasCallSealTrailer } from '../../../../src/e2ee/frame-container';
import { SFrameReceiver, SFrameSender } from '../../sframe/support/reference/context';
import { expectSFrameError } from '../../sframe/support/helpers';
import { hasStartCodeEmulation } from './support/start-codes';
import { h264Incoming, h264Outgoing, splitAnnexB } from '../../../../src/worker/codecs/h264';
import {
  findNaluIndices,
  h264Frame,
  packetizedUnits,
  readSliceFields,
  throughRtp,
  depacketized,
} from './support/h264-frames';

const SUITE = 4;
const KID = 0x123400n;
const baseKey = Uint8Array.from({ length: 32 }, (_, i) => i * 3 + 1);
const HANDSHAKE = Uint8Array.from({ length: 219 }, (_, i) => (i * 37) & 0xff);
const EMPTY = new Uint8Array(0);

/** Chromium's first frames, as the probe in this worktree saw them (SPS with its trailing 00, PPS, an IDR slice). */
const CHROMIUM_KEY_FRAME = Uint8Array.from(
  '00 00 00 01 67 42 c0 15 8c 8d 40 a0 f9 35 06 06 06 07 84 42 35 00 00 00 00 01 68 ce 3c 80 00 00 00 01 65 b8 00 04 00 00 05 38 8c 2e 00 02 06 aa 11 22 80'
    .split(' ')
    .map((h) => parseInt(h, 16)),
);

async function endpoints(): Promise<{ sender: SFrameSender; receiver: SFrameReceiver }> {
  const sender = await SFrameSender.create({ suite: SUITE, kid: KID, baseKey });
  const receiver = new SFrameReceiver({ suite: SUITE });
  await receiver.addKey(KID, baseKey);
  return { sender, receiver };
}

async function sendMedia(sender: SFrameSender, frame: Uint8Array, handshake: Uint8Array | null = null): Promise<Uint8Array> {
  const layout = h264Outgoing(frame);
  const payload = await sender.encrypt(layout.plaintext, layout.aad);
  return layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload, handshake }), true);
}

async function receiveMedia(receiver: SFrameReceiver, wire: Uint8Array): Promise<Uint8Array> {
  const layout = h264Incoming(wire);
  expect(layout.parsed.hasMedia).toBe(true);
  const { plaintext } = await receiver.decrypt(layout.parsed.payload, layout.aad);
  return layout.restore(plaintext);
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('H264: cutting frames into NAL units', () => {
  it('finds the units WebRTC finds (a 00 before 00 00 01 belongs to the start code)', () => {
    fc.assert(
      fc.property(h264Frame, ({ data }) => {
        expect(splitAnnexB(data)).toEqual(findNaluIndices(data));
      }),
      { numRuns: 500 },
    );
    expect(splitAnnexB(Uint8Array.of(0x65, 0, 0, 1, 0x41))).toBeNull(); // not Annex B
    expect(splitAnnexB(Uint8Array.of(0, 0, 1, 0x65, 0, 0, 1, 0x41))).toHaveLength(2);
  });

  it("keeps Chromium's SPS, PPS and the IDR slice's header in clear", async () => {
    const { sender, receiver } = await endpoints();
    const wire = throughRtp(await sendMedia(sender, CHROMIUM_KEY_FRAME, HANDSHAKE));
    const units = packetizedUnits(wire);
    expect(units.map((u) => hex(u.subarray(0, 2)))).toEqual(['6742', '68ce', '65b8']);
    expect(hex(units[0]!)).toBe('6742c0158c8d40a0f93506060607844235' + '00');
    expect(hex(units[1]!)).toBe('68ce3c80');
    // The slice's body is gone from the wire; its first three fields are still there.
    expect(Buffer.from(wire).includes(Buffer.from('0004000005388c2e', 'hex'))).toBe(false);
    expect(readSliceFields(units[2]!)).toEqual({ firstMb: 0, sliceType: 2, ppsId: 0 });
    expect(hasCallSealTrailer(wire)).toBe(true);
    expect(await receiveMedia(receiver, wire)).toEqual(CHROMIUM_KEY_FRAME);
  });
});

describe('H264: frames through the RTP path', () => {
  it('come back byte for byte, with the structure an SFU and a depacketizer need', async () => {
    const { sender, receiver } = await endpoints();
    await fc.assert(
      fc.asyncProperty(h264Frame, fc.boolean(), async (frame, withHandshake) => {
        const sent = await sendMedia(sender, frame.data, withHandshake ? HANDSHAKE : null);
        const units = packetizedUnits(sent);
        // The same units, with the same NAL headers, as Chromium's packetizer would send without CallSeal.
        const originals = packetizedUnits(frame.data);
        expect(units.length).toBe(originals.length);
        let protecting = false;
        units.forEach((unit, i) => {
          const original = originals[i]!;
          const type = original[0]! & 0x1f;
          expect(unit[0]).toBe(original[0]);
          if (!protecting && [7, 8, 9, 10, 11].includes(type)) {
            expect(unit).toEqual(original); // leading parameter sets: whole and in clear
            return;
          }
          protecting = true;
          expect(hasStartCodeEmulation(unit)).toBe(false);
          expect(unit.at(-1)).not.toBe(0);
          if (type === 1 || type === 5) expect(readSliceFields(unit)).toEqual(readSliceFields(original));
        });
        const received = depacketized(units);
        expect(await receiveMedia(receiver, received)).toEqual(depacketized(originals));
      }),
      { numRuns: 300 },
    );
  });

  it('carry a handshake-only frame: every protected unit cut to its head, the last one with the container', async () => {
    await fc.assert(
      fc.asyncProperty(h264Frame, async (frame) => {
        const layout = h264Outgoing(frame.data);
        const wire = throughRtp(layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload: EMPTY, handshake: HANDSHAKE }), false));
        expect(hasCallSealTrailer(wire)).toBe(true);
        const parsed = h264Incoming(wire).parsed;
        expect(parsed.hasMedia).toBe(false);
        expect(parsed.handshake).toEqual(HANDSHAKE);
        expect(packetizedUnits(wire).length).toBe(packetizedUnits(frame.data).length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('H264: what the infrastructure cannot do', () => {
  it('no single-bit change anywhere yields a frame other than the one sent', async () => {
    const { sender, receiver } = await endpoints();
    await fc.assert(
      fc.asyncProperty(h264Frame, fc.nat(), fc.nat({ max: 7 }), async (frame, at, bit) => {
        const wire = throughRtp(await sendMedia(sender, frame.data));
        const tampered = wire.slice();
        const index = at % tampered.length;
        tampered[index]! ^= 1 << bit;
        // A fresh receiver: the replay window of the shared one would refuse the genuine frame's counter anyway.
        const fresh = new SFrameReceiver({ suite: SUITE });
        await fresh.addKey(KID, baseKey);
        let result: Uint8Array | null = null;
        try {
          if (hasCallSealTrailer(tampered)) result = await receiveMedia(fresh, tampered);
        } catch {
          result = null;
        }
        if (result !== null) expect(result).toEqual(throughRtp(frame.data));
        void receiver;
      }),
      { numRuns: 400 },
    );
  });

  it('refuses ciphertext moved from one unit to the next', async () => {
    const { sender, receiver } = await endpoints();
    const twoSlices = Uint8Array.from([
      ...[0, 0, 0, 1, 0x65, 0xb8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x80],
      ...[0, 0, 0, 1, 0x65, 0x4c, 0x66, 0x77, 0x88, 0x99, 0x80],
    ]);
    const units = packetizedUnits(throughRtp(await sendMedia(sender, twoSlices)));
    expect(units).toHaveLength(2);
    // Move the first unit's last ciphertext byte to the front of the second unit's segment.
    const [first, second] = units as [Uint8Array, Uint8Array];
    const moved = [first.subarray(0, first.length - 1), Uint8Array.from([...second.subarray(0, 2), first.at(-1)!, ...second.subarray(2)])];
    // The AEAD covers the whole payload: moved bytes fail authentication (nothing decrypts into a different split).
    await expectSFrameError(async () => receiveMedia(receiver, depacketized(moved)), 'authentication-failed');
    // The genuine one still decrypts (the attempt above did not use up its counter).
    expect(await receiveMedia(receiver, depacketized(units))).toEqual(twoSlices);
  });

  it('will not send what it cannot cut: not Annex B, no slice, an unreadable slice header', () => {
    expect(() => h264Outgoing(Uint8Array.of(0x65, 0xb8, 0x11))).toThrow(E2eeError);
    expect(() => h264Outgoing(Uint8Array.of(0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce))).toThrow(/no protected unit/);
    // 40 zero bits: no Exp-Golomb code ends within the 16 bytes allowed.
    const unreadable = Uint8Array.of(0, 0, 0, 1, 0x65, 0, 0, 3, 0, 0, 3, 0, 0, 3, 0, 0, 3, 0, 0, 3, 0, 0, 3, 0x80);
    expect(() => h264Outgoing(unreadable)).toThrow(/slice header/);
  });
});
