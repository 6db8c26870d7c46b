/**
 * AV1 frames through CallSeal (protocol.md §2.2), with real SFrame encryption and Chromium's RTP path simulated
 * (temporal delimiters, tile lists and padding dropped; every OBU rewritten with a size field): frames come back as
 * Chromium would have delivered them without CallSeal; OBU headers, extensions and leading sequence headers stay in
 * clear; nothing in clear changes, and no ciphertext moves between OBUs, without the frame failing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCallSealFrame, hasCallSealTrailer } from '../../../../src/e2ee/frame-container';
import { SFrameReceiver, SFrameSender } from '../../sframe/support/reference/context';
import { expectSFrameError } from '../../sframe/support/helpers';
import { av1Incoming, av1Outgoing } from '../../../../src/worker/codecs/av1';
import { av1Frame, av1ThroughRtp, packetizedObus, readObus, writeFrame } from './support/av1-frames';

const SUITE = 4;
const KID = 0x567800n;
const baseKey = Uint8Array.from({ length: 32 }, (_, i) => i * 5 + 2);
const EMPTY = new Uint8Array(0);
const HANDSHAKE = Uint8Array.from({ length: 219 }, (_, i) => (i * 11) & 0xff);

/** Chromium's key frame, as the probe saw it: a temporal delimiter, its sequence header, a frame OBU. */
const SEQUENCE_HEADER = Uint8Array.from([0x00, 0x00, 0x00, 0x04, 0x3c, 0xff, 0xbc, 0x01, 0xa0, 0x08]);
const PICTURE = Uint8Array.from({ length: 2385 }, (_, i) => (i * 131 + 7) & 0xff);
const CHROMIUM_KEY_FRAME = writeFrame([
  { type: 2, payload: EMPTY },
  { type: 1, payload: SEQUENCE_HEADER },
  { type: 6, payload: PICTURE },
]);

async function endpoints(): Promise<{ sender: SFrameSender; receiver: () => Promise<SFrameReceiver> }> {
  const sender = await SFrameSender.create({ suite: SUITE, kid: KID, baseKey });
  return {
    sender,
    receiver: async () => {
      const receiver = new SFrameReceiver({ suite: SUITE });
      await receiver.addKey(KID, baseKey);
      return receiver;
    },
  };
}

async function send(sender: SFrameSender, frame: Uint8Array, handshake: Uint8Array | null = null): Promise<Uint8Array> {
  const layout = av1Outgoing(frame);
  const payload = await sender.encrypt(layout.plaintext, layout.aad);
  return layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload, handshake }), true);
}

async function receive(receiver: SFrameReceiver, wire: Uint8Array): Promise<Uint8Array> {
  const layout = av1Incoming(wire);
  const { plaintext } = await receiver.decrypt(layout.parsed.payload, layout.aad);
  return layout.restore(plaintext);
}

describe('AV1 through the RTP path', () => {
  it("keeps Chromium's sequence header and OBU headers in clear, and the picture out of sight", async () => {
    const { sender, receiver } = await endpoints();
    const wire = av1ThroughRtp(await send(sender, CHROMIUM_KEY_FRAME, HANDSHAKE));
    const obus = readObus(wire);
    expect(obus.map((o) => o.type)).toEqual([1, 6]);
    expect(obus[0]!.payload).toEqual(SEQUENCE_HEADER);
    expect(Buffer.from(wire).includes(Buffer.from(PICTURE.subarray(100, 116)))).toBe(false);
    expect(hasCallSealTrailer(wire)).toBe(true);
    expect(await receive(await receiver(), wire)).toEqual(av1ThroughRtp(CHROMIUM_KEY_FRAME));
  });

  it('brings every frame back as Chromium would have delivered it, with its OBU headers intact', async () => {
    const { sender, receiver } = await endpoints();
    const rx = await receiver();
    await fc.assert(
      fc.asyncProperty(av1Frame, fc.boolean(), async (frame, withHandshake) => {
        const wire = av1ThroughRtp(await send(sender, frame.data, withHandshake ? HANDSHAKE : null));
        const sent = readObus(wire);
        const originals = packetizedObus(frame.data);
        expect(sent.map((o) => [o.type, o.extension])).toEqual(originals.map((o) => [o.type, o.extension]));
        let leading = true;
        sent.forEach((obu, i) => {
          if (leading && obu.type === 1) expect(obu.payload).toEqual(originals[i]!.payload);
          else leading = false;
        });
        expect(await receive(rx, wire)).toEqual(av1ThroughRtp(frame.data));
      }),
      { numRuns: 300 },
    );
  });

  it('carries a handshake-only frame', () => {
    fc.assert(
      fc.property(av1Frame, (frame) => {
        const layout = av1Outgoing(frame.data);
        const wire = av1ThroughRtp(layout.assemble(encodeCallSealFrame({ clearPrefix: EMPTY, payload: EMPTY, handshake: HANDSHAKE }), false));
        const parsed = av1Incoming(wire).parsed;
        expect(parsed.hasMedia).toBe(false);
        expect(parsed.handshake).toEqual(HANDSHAKE);
      }),
      { numRuns: 200 },
    );
  });
});

describe('AV1: what the infrastructure cannot do', () => {
  it('no single-bit change yields a frame other than the one sent', async () => {
    const { sender, receiver } = await endpoints();
    await fc.assert(
      fc.asyncProperty(av1Frame, fc.nat(), fc.nat({ max: 7 }), async (frame, at, bit) => {
        const wire = av1ThroughRtp(await send(sender, frame.data));
        const tampered = wire.slice();
        tampered[at % tampered.length]! ^= 1 << bit;
        let result: Uint8Array | null = null;
        try {
          if (hasCallSealTrailer(tampered)) result = await receive(await receiver(), tampered);
        } catch {
          result = null;
        }
        // A flip of obu_has_size_field or of a size field may leave the same OBUs (the size is not authenticated,
        // it only delimits): then the frame that comes out is still the one sent.
        if (result !== null) expect(result).toEqual(av1ThroughRtp(frame.data));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses payload moved from one OBU to the next', async () => {
    const { sender, receiver } = await endpoints();
    const frame = writeFrame([
      { type: 3, payload: Uint8Array.of(1, 2, 3, 4, 5, 6) },
      { type: 4, payload: Uint8Array.of(7, 8, 9, 10) },
    ]);
    const obus = readObus(av1ThroughRtp(await send(sender, frame)));
    const moved = [
      { ...obus[0]!, payload: obus[0]!.payload.subarray(0, -1) },
      { ...obus[1]!, payload: Uint8Array.from([obus[0]!.payload.at(-1)!, ...obus[1]!.payload]) },
    ];
    // The AEAD covers the whole payload: moved bytes fail authentication (nothing decrypts into a different split).
    await expectSFrameError(async () => receive(await receiver(), writeFrame(moved)), 'authentication-failed');
    expect(await receive(await receiver(), writeFrame(obus))).toEqual(av1ThroughRtp(frame));
  });

  it('will not send what it cannot cut', () => {
    expect(() => av1Outgoing(Uint8Array.of(0x80 | 0x32, 0))).toThrow(/forbidden/);
    expect(() => av1Outgoing(Uint8Array.of(0x32, 10, 1, 2))).toThrow(/beyond the frame/);
    expect(() => av1Outgoing(writeFrame([{ type: 2, payload: EMPTY }, { type: 1, payload: SEQUENCE_HEADER }]))).toThrow(
      /no protected unit/,
    );
  });
});
