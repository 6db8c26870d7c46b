/**
 * H264 frames for tests: a fast-check generator of Annex B frames as encoders make them (parameter sets, then slices
 * whose headers start with valid Exp-Golomb fields, SEI and other units, with 3- or 4-byte start codes, all payloads
 * escaped the standard way), and what Chromium's RTP path does to a frame between two transforms: cut it into NAL
 * units (a transcription of WebRTC's `H264::FindNaluIndices`, written here independently of the code under test) and
 * hand the receiver each unit behind `00 00 00 01`.
 */
import fc from 'fast-check';

/** H.264 §7.4.1: `03` before a byte ≤ 3 that follows `00 00`. */
export function standardEscape(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

class BitWriter {
  private bits: number[] = [];
  write(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
  }
  ue(value: number): void {
    const v = value + 1;
    const length = Math.floor(Math.log2(v)) + 1;
    this.write(0, length - 1);
    this.write(v, length);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => {
      if (bit) out[i >> 3]! |= 0x80 >> (i & 7);
    });
    return out;
  }
}

export interface SliceFields {
  firstMb: number;
  sliceType: number;
  ppsId: number;
}

/** A slice's RBSP: the three fields, then random bits, ending in a non-zero byte (the stop bit). */
export function sliceRbsp(fields: SliceFields, rest: Uint8Array): Uint8Array {
  const writer = new BitWriter();
  writer.ue(fields.firstMb);
  writer.ue(fields.sliceType);
  writer.ue(fields.ppsId);
  const head = writer.bytes();
  // The fields' last byte keeps its low bits from `rest`'s first byte, as real slice headers go on.
  const used = (() => {
    let bits = 0;
    for (const v of [fields.firstMb, fields.sliceType, fields.ppsId]) bits += 2 * Math.floor(Math.log2(v + 1)) + 1;
    return bits;
  })();
  const spare = 8 - (used % 8 || 8);
  if (spare > 0 && rest.length > 0) head[head.length - 1]! |= (rest[0]! >> (8 - spare)) & ((1 << spare) - 1);
  const out = new Uint8Array(head.length + rest.length + 1);
  out.set(head);
  out.set(rest, head.length);
  out[out.length - 1] = 0x80; // rbsp_stop_one_bit
  return out;
}

export interface GeneratedUnit {
  /** The NAL unit (header byte and escaped payload). */
  nal: Uint8Array;
  /** For slices, the fields written. */
  fields?: SliceFields;
}

const header = (nri: number, type: number): number => ((nri & 3) << 5) | type;

const payloadBytes = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: max }),
    // Zero-heavy payloads: where start codes and escaping happen.
    fc.array(fc.constantFrom(0, 0, 0, 1, 2, 3, 0x80, 0xff), { minLength: 0, maxLength: max }).map((a) => Uint8Array.from(a)),
  );

const parameterSet = (type: 7 | 8): fc.Arbitrary<GeneratedUnit> =>
  fc.tuple(payloadBytes(24), fc.boolean()).map(([bytes, trailingZero]) => {
    const rbsp = new Uint8Array(bytes.length + 1);
    rbsp.set(bytes);
    rbsp[bytes.length] = 0x80;
    const escaped = standardEscape(rbsp);
    // Chromium's SPS comes with a trailing 00 (seen in its frames): keep that case.
    const nal = new Uint8Array(1 + escaped.length + (trailingZero ? 1 : 0));
    nal[0] = header(3, type);
    nal.set(escaped, 1);
    return { nal };
  });

const slice: fc.Arbitrary<GeneratedUnit> = fc
  .tuple(
    fc.constantFrom(1, 5),
    fc.nat({ max: 8160 }),
    fc.nat({ max: 9 }),
    fc.oneof(fc.constant(0), fc.nat({ max: 255 })),
    payloadBytes(400),
    fc.nat({ max: 3 }),
  )
  .map(([type, firstMb, sliceType, ppsId, rest, nri]) => {
    const fields = { firstMb, sliceType, ppsId };
    const escaped = standardEscape(sliceRbsp(fields, rest));
    const nal = new Uint8Array(1 + escaped.length);
    nal[0] = header(type === 5 ? 3 : nri, type);
    nal.set(escaped, 1);
    return { nal, fields };
  });

const otherUnit: fc.Arbitrary<GeneratedUnit> = fc
  .tuple(fc.constantFrom(6, 12, 2, 14, 20, 7, 8, 9), payloadBytes(60))
  .map(([type, bytes]) => {
    const rbsp = new Uint8Array(bytes.length + 1);
    rbsp.set(bytes);
    rbsp[bytes.length] = 0x80;
    const escaped = standardEscape(rbsp);
    const nal = new Uint8Array(1 + escaped.length);
    nal[0] = header(0, type);
    nal.set(escaped, 1);
    return { nal };
  });

export interface GeneratedFrame {
  units: GeneratedUnit[];
  /** The Annex B frame. */
  data: Uint8Array;
  key: boolean;
}

/** Annex B frames: optional SPS/PPS/AUD in front, then slices mixed with other units. */
export const h264Frame: fc.Arbitrary<GeneratedFrame> = fc
  .tuple(
    fc.array(fc.oneof(parameterSet(7), parameterSet(8)), { maxLength: 3 }),
    fc.array(fc.oneof({ weight: 3, arbitrary: slice }, { weight: 1, arbitrary: otherUnit }), { minLength: 1, maxLength: 5 }),
    fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  )
  .map(([leading, rest, longCodes]) => {
    const units = [...leading, ...rest];
    const parts: number[] = [];
    units.forEach((unit, i) => {
      parts.push(...(longCodes[i % 8] || i === 0 ? [0, 0, 0, 1] : [0, 0, 1]), ...unit.nal);
    });
    return { units, data: Uint8Array.from(parts), key: units.some((u) => (u.nal[0]! & 0x1f) === 5) };
  })
  // A frame must hold a slice (every encoder frame does), so there is a protected unit.
  .filter((frame) => frame.units.some((u) => u.fields !== undefined));

/** WebRTC's `H264::FindNaluIndices`, transcribed: [payload start, payload end) of each NAL unit. */
export function findNaluIndices(buffer: Uint8Array): { start: number; end: number }[] {
  const sequences: { startOffset: number; start: number; end: number }[] = [];
  if (buffer.length < 3) return [];
  const end = buffer.length - 3;
  for (let i = 0; i < end; ) {
    if (buffer[i + 2]! > 1) {
      i += 3;
    } else if (buffer[i + 2] === 1) {
      if (buffer[i + 1] === 0 && buffer[i] === 0) {
        const index = { startOffset: i, start: i + 3, end: 0 };
        if (index.startOffset > 0 && buffer[index.startOffset - 1] === 0) --index.startOffset;
        const last = sequences.at(-1);
        if (last) last.end = index.startOffset;
        sequences.push(index);
      }
      i += 3;
    } else {
      ++i;
    }
  }
  const last = sequences.at(-1);
  if (last) last.end = buffer.length;
  return sequences.map(({ start, end: e }) => ({ start, end: e }));
}

/** The NAL units Chromium's packetizer would send for `frame`. */
export function packetizedUnits(frame: Uint8Array): Uint8Array[] {
  return findNaluIndices(frame).map(({ start, end }) => frame.slice(start, end));
}

/** What the receiving transform gets: each unit the packetizer sent, behind a 4-byte start code. */
export function depacketized(units: readonly Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  for (const unit of units) parts.push(0, 0, 0, 1, ...unit);
  return Uint8Array.from(parts);
}

/** Chromium's RTP path between two transforms: packetize, depacketize. */
export function throughRtp(frame: Uint8Array): Uint8Array {
  return depacketized(packetizedUnits(frame));
}

/** The frame with every start code written as `00 00 00 01` (what a receiver can give back at best). */
export function normalized(units: readonly GeneratedUnit[]): Uint8Array {
  return depacketized(units.map((u) => u.nal));
}

/** Reads the three slice-header fields of a NAL unit (skipping emulation-prevention bytes). */
export function readSliceFields(nal: Uint8Array): SliceFields | null {
  const rbsp: number[] = [];
  let zeros = 0;
  for (let i = 1; i < Math.min(nal.length, 40); i++) {
    const byte = nal[i]!;
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    rbsp.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  let bit = 0;
  const read = (): number | null => {
    if (bit >= rbsp.length * 8) return null;
    const b = (rbsp[bit >> 3]! >> (7 - (bit & 7))) & 1;
    bit++;
    return b;
  };
  const ue = (): number | null => {
    let zerosCount = 0;
    for (;;) {
      const b = read();
      if (b === null) return null;
      if (b) break;
      zerosCount++;
    }
    let v = 0;
    for (let i = 0; i < zerosCount; i++) {
      const b = read();
      if (b === null) return null;
      v = v * 2 + b;
    }
    return 2 ** zerosCount - 1 + v;
  };
  const firstMb = ue();
  const sliceType = ue();
  const ppsId = ue();
  if (firstMb === null || sliceType === null || ppsId === null) return null;
  return { firstMb, sliceType, ppsId };
}
