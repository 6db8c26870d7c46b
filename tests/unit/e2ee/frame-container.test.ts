import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E2eeError } from '../../../src/e2ee/errors';
import { codecClearPrefixLength, encodeCallSealFrame, parseCallSealFrame } from '../../../src/e2ee/frame-container';
import { expectE2eeError } from './helpers';

const MAGIC = [0xca, 0x11, 0x5e, 0xa1];
const bytes = (...values: number[]) => Uint8Array.from(values);

describe('encodeCallSealFrame / parseCallSealFrame', () => {
  it('lays out prefix | payload | handshake | len | flags | magic, and a media-only frame as prefix | payload | marker (§2)', () => {
    const frame = encodeCallSealFrame({ clearPrefix: bytes(9), payload: bytes(1, 2), handshake: bytes(7, 7, 7) });
    expect(Array.from(frame)).toEqual([9, 1, 2, 7, 7, 7, 0, 3, 0b11, ...MAGIC]);
    expect(Array.from(encodeCallSealFrame({ clearPrefix: bytes(), payload: bytes(5) }))).toEqual([5, 0x5c]);
    expect(Array.from(encodeCallSealFrame({ clearPrefix: bytes(9), payload: bytes(5, 6) }))).toEqual([9, 5, 6, 0x5c]);
    expect(parseCallSealFrame(bytes(9, 5, 6, 0x5c), 1)).toEqual({
      candidate: true,
      clearPrefix: bytes(9),
      payload: bytes(5, 6),
      hasMedia: true,
    });
    expect(parseCallSealFrame(bytes(9, 0x5c), 1)).toBeNull(); // nothing after the prefix: plain
    expect(Array.from(encodeCallSealFrame({ clearPrefix: bytes(1), payload: bytes(), handshake: bytes(4) }))).toEqual([
      1, 4, 0, 1, 0b10, ...MAGIC,
    ]);
    expect(Array.from(encodeCallSealFrame({ clearPrefix: bytes(), payload: bytes(), handshake: null }))).toEqual([0, ...MAGIC]);
  });

  it('round-trips with and without handshake, with and without media, for each codec prefix', () => {
    const handshake = Uint8Array.from({ length: 179 }, (_, i) => i);
    for (const prefixLength of [0, 1, 3, 10]) {
      const clearPrefix = Uint8Array.from({ length: prefixLength }, (_, i) => 200 + i);
      for (const payload of [bytes(), bytes(0xca, 0x11, 0x5e, 0xa1, 1, 2, 3)]) {
        for (const withHandshake of [false, true]) {
          const frame = encodeCallSealFrame(withHandshake ? { clearPrefix, payload, handshake } : { clearPrefix, payload });
          const parsed = parseCallSealFrame(frame, prefixLength);
          expect(parsed).not.toBeNull();
          expect(parsed?.clearPrefix).toEqual(clearPrefix);
          expect(parsed?.payload).toEqual(payload);
          expect(parsed?.hasMedia).toBe(payload.length > 0);
          expect(parsed?.handshake).toEqual(withHandshake ? handshake : undefined);
          expect(parsed !== null && 'handshake' in parsed).toBe(withHandshake);
        }
      }
    }
  });

  it('round-trips arbitrary parts (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 12 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 400 }), { nil: undefined }),
        (clearPrefix, payload, handshake) => {
          const frame = encodeCallSealFrame({ clearPrefix, payload, handshake });
          const parsed = parseCallSealFrame(frame, clearPrefix.length);
          const mediaOnly = handshake === undefined && payload.length > 0;
          expect(parsed).toEqual({
            ...(mediaOnly ? { candidate: true } : {}),
            clearPrefix,
            payload,
            hasMedia: payload.length > 0,
            ...(handshake === undefined ? {} : { handshake }),
          });
        },
      ),
    );
  });

  it('clamps the nominal prefix to the bytes in front of the trailer (short frames)', () => {
    // A 5-byte VP8 key frame: the sender kept all 5 bytes in clear, nothing left to encrypt.
    const frame = encodeCallSealFrame({ clearPrefix: bytes(1, 2, 3, 4, 5), payload: bytes(), handshake: bytes(8) });
    const parsed = parseCallSealFrame(frame, 10);
    expect(parsed?.clearPrefix).toEqual(bytes(1, 2, 3, 4, 5));
    expect(parsed?.payload.length).toBe(0);
    expect(parsed?.handshake).toEqual(bytes(8));
  });

  it('lets handshake-only frames carry bytes receivers ignore (a probe frame, §6.4)', () => {
    const frame = encodeCallSealFrame({ clearPrefix: bytes(0x7b), payload: bytes(), filler: bytes(0), handshake: bytes(2, 9) });
    expect(Array.from(frame)).toEqual([0x7b, 0, 2, 9, 0, 2, 0b10, ...MAGIC]);
    expect(parseCallSealFrame(frame, 1)).toEqual({
      clearPrefix: bytes(0x7b),
      payload: bytes(0),
      handshake: bytes(2, 9),
      hasMedia: false,
    });
    // Bytes in front of the trailer of a frame without HAS_MEDIA are not an error (version 1 called them malformed).
    expect(parseCallSealFrame(bytes(1, 2, 0b00, ...MAGIC), 1)).toMatchObject({ hasMedia: false, payload: bytes(2) });
    expectE2eeError(
      () => encodeCallSealFrame({ clearPrefix: bytes(), payload: bytes(1), filler: bytes(0) }),
      'invalid-argument',
    );
    expectE2eeError(() => encodeCallSealFrame({ clearPrefix: bytes(), payload: bytes(), filler: 'x' as never }), 'invalid-argument');
  });

  it('returns null for plain media (no magic, no media marker)', () => {
    expect(parseCallSealFrame(bytes(), 1)).toBeNull();
    expect(parseCallSealFrame(bytes(...MAGIC), 0)).toBeNull(); // too short to hold flags + magic
    expect(parseCallSealFrame(bytes(0xfc, 1, 2, 3, 4, 5, 6), 1)).toBeNull();
    expect(parseCallSealFrame(bytes(0, 0xca, 0x11, 0x5e, 0xa0), 0)).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        fc.pre(!(data.length >= 5 && MAGIC.every((m, i) => data[data.length - 4 + i] === m)));
        fc.pre(data[data.length - 1] !== 0x5c); // a media-only candidate: CallSeal's only if it decrypts (§2)
        expect(parseCallSealFrame(data, 3)).toBeNull();
      }),
    );
  });

  it('rejects inconsistent trailers as malformed-frame', () => {
    const m = (...head: number[]) => bytes(...head, ...MAGIC);
    expectE2eeError(() => parseCallSealFrame(m(0b100), 0), 'malformed-frame'); // unknown flag bit
    expectE2eeError(() => parseCallSealFrame(m(1, 2, 0x80), 0), 'malformed-frame'); // unknown flag bit
    expectE2eeError(() => parseCallSealFrame(m(0b01), 0), 'malformed-frame'); // HAS_MEDIA, no payload
    expectE2eeError(() => parseCallSealFrame(m(1, 0b01), 1), 'malformed-frame'); // payload all prefix
    expectE2eeError(() => parseCallSealFrame(m(0b10), 0), 'malformed-frame'); // HAS_HANDSHAKE, no length field
    expectE2eeError(() => parseCallSealFrame(m(3, 0b10), 0), 'malformed-frame'); // half a length field
    expectE2eeError(() => parseCallSealFrame(m(0, 0, 0b10), 0), 'malformed-frame'); // handshake length 0
    expectE2eeError(() => parseCallSealFrame(m(7, 0, 2, 0b10), 0), 'malformed-frame'); // handshake longer than frame
    expectE2eeError(() => parseCallSealFrame(m(7, 0xff, 0xff, 0b11), 0), 'malformed-frame');
  });

  it('never throws anything but a named error on arbitrary magic-terminated input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 12 }), (head, prefix) => {
        const data = new Uint8Array([...head, ...MAGIC]);
        let outcome: unknown;
        try {
          outcome = parseCallSealFrame(data, prefix);
        } catch (error) {
          outcome = error;
        }
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(E2eeError);
          expect((outcome as E2eeError).code).toBe('malformed-frame');
        } else if (head.length === 0) {
          expect(outcome).toBeNull(); // four bytes: too short for flags + magic
        } else {
          expect(outcome).not.toBeNull();
        }
      }),
    );
  });

  it('validates its arguments', () => {
    expectE2eeError(() => parseCallSealFrame('x' as never, 0), 'invalid-argument');
    expectE2eeError(() => parseCallSealFrame(bytes(), -1), 'invalid-argument');
    expectE2eeError(() => parseCallSealFrame(bytes(), 1.5), 'invalid-argument');
    expectE2eeError(() => encodeCallSealFrame({ clearPrefix: bytes(), payload: 'x' as never }), 'invalid-argument');
    expectE2eeError(() => encodeCallSealFrame({ clearPrefix: bytes(), payload: bytes(), handshake: bytes() }), 'invalid-argument');
    expectE2eeError(
      () => encodeCallSealFrame({ clearPrefix: bytes(), payload: bytes(), handshake: new Uint8Array(0x10000) }),
      'invalid-argument',
    );
    expectE2eeError(() => encodeCallSealFrame(null as never), 'invalid-argument');
  });
});

describe('codecClearPrefixLength', () => {
  it('knows Opus, VP8 and VP9, case-insensitively', () => {
    expect(codecClearPrefixLength('audio/opus', false, 100)).toBe(1);
    expect(codecClearPrefixLength('audio/OPUS', true, 100)).toBe(1);
    expect(codecClearPrefixLength('video/VP8', true, 1000)).toBe(10);
    expect(codecClearPrefixLength('video/vp8', false, 1000)).toBe(3);
    expect(codecClearPrefixLength('Video/Vp8', false, 1000)).toBe(3);
    expect(codecClearPrefixLength('video/VP9', true, 1000)).toBe(0);
    expect(codecClearPrefixLength('video/VP9', false, 1000)).toBe(0);
    expect(codecClearPrefixLength('audio/opus; minptime=10', false, 100)).toBe(1);
  });

  it('clamps to the frame length', () => {
    expect(codecClearPrefixLength('video/VP8', true, 4)).toBe(4);
    expect(codecClearPrefixLength('video/VP8', false, 2)).toBe(2);
    expect(codecClearPrefixLength('audio/opus', false, 0)).toBe(0);
  });

  it('returns null for unsupported codecs', () => {
    for (const mime of ['video/H264', 'video/AV1', 'video/H265', 'audio/PCMU', 'audio/red', '', 'opus']) {
      expect(codecClearPrefixLength(mime, true, 100)).toBeNull();
    }
  });

  it('validates its arguments', () => {
    expectE2eeError(() => codecClearPrefixLength(1 as never, true, 1), 'invalid-argument');
    expectE2eeError(() => codecClearPrefixLength('audio/opus', 'yes' as never, 1), 'invalid-argument');
    expectE2eeError(() => codecClearPrefixLength('audio/opus', true, -1), 'invalid-argument');
    expectE2eeError(() => codecClearPrefixLength('audio/opus', true, Number.NaN), 'invalid-argument');
  });
});
