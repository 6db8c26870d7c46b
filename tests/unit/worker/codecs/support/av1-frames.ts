/**
 * AV1 frames for tests: a fast-check generator of OBU sequences as libaom makes them (a temporal delimiter, sequence
 * headers on key frames, frame or frame-header/tile-group OBUs, now and then metadata, padding, extension bytes, a last
 * OBU without a size field), and Chromium's RTP path between two transforms, written here independently of the code
 * under test: the packetizer drops temporal delimiters, tile lists and padding; the depacketizer writes every OBU with
 * a size field.
 */
import fc from 'fast-check';

export interface GeneratedObu {
  type: number;
  extension?: number;
  payload: Uint8Array;
  /** Written without obu_size (only ever the last OBU). */
  sizeless?: boolean;
}

export function leb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

export function writeObu(obu: GeneratedObu, withSize = !obu.sizeless): number[] {
  const header = (obu.type << 3) | (obu.extension !== undefined ? 0x04 : 0) | (withSize ? 0x02 : 0);
  return [header, ...(obu.extension !== undefined ? [obu.extension] : []), ...(withSize ? leb128(obu.payload.length) : []), ...obu.payload];
}

export function writeFrame(obus: readonly GeneratedObu[]): Uint8Array {
  return Uint8Array.from(obus.flatMap((obu) => writeObu(obu)));
}

const payload = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: 0, maxLength: max });
const extension = fc.option(fc.integer({ min: 0, max: 0xff }), { nil: undefined });

const obu = (types: number[], max: number): fc.Arbitrary<GeneratedObu> =>
  fc.record({ type: fc.constantFrom(...types), extension, payload: payload(max) }, { requiredKeys: ['type', 'payload'] }) as fc.Arbitrary<GeneratedObu>;

export interface GeneratedAv1Frame {
  obus: GeneratedObu[];
  data: Uint8Array;
}

/** A temporal delimiter (sometimes), sequence headers (sometimes), then frame OBUs mixed with others. */
export const av1Frame: fc.Arbitrary<GeneratedAv1Frame> = fc
  .tuple(
    fc.boolean(),
    fc.array(obu([1], 16), { maxLength: 2 }),
    fc.array(fc.oneof({ weight: 4, arbitrary: obu([6, 3, 4], 500) }, { weight: 1, arbitrary: obu([5, 15, 8, 1, 7], 40) }), {
      minLength: 1,
      maxLength: 5,
    }),
    fc.boolean(),
  )
  .map(([delimiter, sequence, rest, lastSizeless]) => {
    const obus: GeneratedObu[] = [...(delimiter ? [{ type: 2, payload: new Uint8Array(0) }] : []), ...sequence, ...rest];
    if (lastSizeless) obus[obus.length - 1] = { ...obus[obus.length - 1]!, sizeless: true };
    return { obus, data: writeFrame(obus) };
  })
  // A frame that keeps something after the packetizer's cut, with at least one OBU besides sequence headers.
  .filter(({ obus }) => obus.some((o) => ![1, 2, 8, 15].includes(o.type)));

/** Parses OBUs (independently of the code under test). */
export function readObus(data: Uint8Array): GeneratedObu[] {
  const out: GeneratedObu[] = [];
  let at = 0;
  while (at < data.length) {
    const header = data[at]!;
    let position = at + 1;
    let ext: number | undefined;
    if (header & 0x04) ext = data[position++];
    let end = data.length;
    if (header & 0x02) {
      let size = 0;
      for (let i = 0; ; i++) {
        const byte = data[position++]!;
        size += (byte & 0x7f) * 2 ** (7 * i);
        if (!(byte & 0x80)) break;
      }
      end = position + size;
    }
    const parsed: GeneratedObu = { type: (header >> 3) & 0x0f, payload: data.slice(position, end) };
    if (ext !== undefined) parsed.extension = ext;
    out.push(parsed);
    at = end;
  }
  return out;
}

/** The OBUs Chromium's packetizer sends. */
export function packetizedObus(frame: Uint8Array): GeneratedObu[] {
  return readObus(frame).filter((o) => o.type !== 2 && o.type !== 8 && o.type !== 15);
}

/** Chromium's RTP path: packetize, then the depacketizer writes every OBU with its size. */
export function av1ThroughRtp(frame: Uint8Array): Uint8Array {
  return Uint8Array.from(packetizedObus(frame).flatMap((o) => writeObu(o, true)));
}
