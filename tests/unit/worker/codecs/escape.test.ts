/**
 * Emulation prevention for encrypted H264 segments (protocol.md §2.1): every segment round-trips whatever the bytes
 * and whatever zeros end the clear head before it; the escaped unit never contains a start code (`00 00 00`,
 * `00 00 01`, `00 00 02`) and never ends in `00`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeSegment, trailingZeros, unescapeSegment } from '../../../../src/worker/codecs/escape';
import { hasStartCodeEmulation } from './support/start-codes';

const zeroHeavy = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.array(fc.constantFrom(0, 0, 0, 1, 2, 3, 4, 0xff), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
);
const head = fc
  .tuple(fc.integer({ min: 1, max: 0xff }), fc.array(fc.constantFrom(0, 3, 0x41), { maxLength: 4 }))
  .map(([first, rest]) => Uint8Array.from([first, ...rest]))
  // A head is valid EBSP itself (it is the encoder's own bytes).
  .filter((h) => !hasStartCodeEmulation(h));

describe('H264 segment escaping', () => {
  it('round-trips any bytes after any head', () => {
    fc.assert(
      fc.property(zeroHeavy, head, (segment, h) => {
        const zeros = trailingZeros(h);
        expect(unescapeSegment(escapeSegment(segment, zeros), zeros)).toEqual(segment);
      }),
      { numRuns: 2000 },
    );
  });

  it('never forms a start code with the head, and never ends in 00', () => {
    fc.assert(
      fc.property(zeroHeavy, head, (segment, h) => {
        const escaped = escapeSegment(segment, trailingZeros(h));
        const unit = new Uint8Array(h.length + escaped.length);
        unit.set(h);
        unit.set(escaped, h.length);
        expect(hasStartCodeEmulation(unit)).toBe(false);
        if (escaped.length > 0) expect(escaped.at(-1)).not.toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes as H.264 does, and marks an end in 00 or 03', () => {
    expect(escapeSegment(Uint8Array.of(0, 0, 1, 0, 0, 0, 0xaa))).toEqual(Uint8Array.of(0, 0, 3, 1, 0, 0, 3, 0, 0xaa));
    expect(escapeSegment(Uint8Array.of(0, 0, 3))).toEqual(Uint8Array.of(0, 0, 3, 3, 3));
    expect(escapeSegment(Uint8Array.of(0x10, 0))).toEqual(Uint8Array.of(0x10, 0, 3));
    expect(escapeSegment(Uint8Array.of(0x10, 3))).toEqual(Uint8Array.of(0x10, 3, 3));
    expect(escapeSegment(Uint8Array.of(2), 2)).toEqual(Uint8Array.of(3, 2));
    expect(escapeSegment(new Uint8Array(0), 2)).toEqual(new Uint8Array(0));
    // CallSeal's magic ends a segment untouched: a CallSeal frame still ends in it.
    const magic = Uint8Array.of(0xca, 0x11, 0x5e, 0xa1);
    expect(escapeSegment(Uint8Array.of(0, 0, ...magic)).subarray(-4)).toEqual(magic);
  });

  it('unescapes any bytes without throwing', () => {
    fc.assert(
      fc.property(zeroHeavy, fc.nat({ max: 2 }), (bytes, zeros) => {
        expect(unescapeSegment(bytes, zeros).length).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });

  it('counts the zeros that end a head', () => {
    expect(trailingZeros(Uint8Array.of(0x65))).toBe(0);
    expect(trailingZeros(Uint8Array.of(0x65, 0))).toBe(1);
    expect(trailingZeros(Uint8Array.of(0x65, 0, 0))).toBe(2);
    expect(trailingZeros(Uint8Array.of(0x65, 0, 0, 3))).toBe(0);
  });
});
