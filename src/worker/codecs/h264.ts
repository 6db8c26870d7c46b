/**
 * H264 frames (protocol.md §2.1): Annex B as Chromium hands them to transforms, cut into NAL units as WebRTC's
 * packetizer cuts them; the leading parameter sets (SPS, PPS, AUD, end of sequence/stream) stay whole and in clear,
 * every later unit is protected: its head (the NAL header byte; for slices also the slice header's
 * `first_mb_in_slice`, `slice_type` and `pic_parameter_set_id`) stays in clear, the rest is encrypted. Encrypted
 * segments are escaped (`escape.ts`) so that no start code ever forms in them.
 *
 * Why these heads: the receiver's depacketizer parses SPS and PPS, and refuses an IDR slice (and asks for a key frame)
 * whose PPS id it cannot read; SFUs read NAL types and `first_mb_in_slice`. Everything else is picture content.
 */
import { escapeSegment, trailingZeros, unescapeSegment } from './escape';
import { concatBytes } from '../../shared/bytes';
import {
  malformed,
  unitsIncoming,
  unitsOutgoing,
  type IncomingLayout,
  type OutgoingLayout,
  type ReceivedUnit,
  type Unit,
} from './layout';

/** NAL unit types that stay whole and in clear while they lead the frame. */
const LEADING_CLEAR = new Set([7, 8, 9, 10, 11]); // SPS, PPS, AUD, end of sequence, end of stream
const SLICE_NON_IDR = 1;
const SLICE_IDR = 5;
/** The slice header's three fields must end within this many bytes after the NAL header (§2.1). */
const MAX_SLICE_HEAD = 16;

const START_CODE = Uint8Array.of(0, 0, 0, 1);

/** A NAL unit's place in the frame: [start, end), start at the NAL header byte. */
interface NalIndex {
  start: number;
  end: number;
}

/**
 * The NAL units of an Annex B frame, found as WebRTC's `H264::FindNaluIndices` finds them: a unit starts after every
 * `00 00 01`, a `00` right before it belongs to the start code, and a unit ends where the next start code begins.
 * Null when the frame does not begin with a start code (not Annex B) or has an empty unit.
 */
export function splitAnnexB(data: Uint8Array): NalIndex[] | null {
  const units: NalIndex[] = [];
  const size = data.length;
  let firstStartCode = -1;
  for (let i = 0; i + 3 < size; ) {
    const third = data[i + 2] as number;
    if (third > 1) {
      i += 3;
    } else if (third === 1) {
      if (data[i + 1] === 0 && data[i] === 0) {
        let codeStart = i;
        if (codeStart > 0 && data[codeStart - 1] === 0) codeStart--;
        const previous = units[units.length - 1];
        if (previous) previous.end = codeStart;
        else firstStartCode = codeStart;
        units.push({ start: i + 3, end: size });
      }
      i += 3;
    } else {
      i++;
    }
  }
  if (units.length === 0 || firstStartCode !== 0) return null;
  for (const unit of units) if (unit.end <= unit.start) return null;
  return units;
}

function nalType(header: number): number {
  return header & 0x1f;
}

/** Reads Exp-Golomb codes from a NAL unit's payload, skipping emulation-prevention bytes, counting bytes consumed. */
class EbspBitReader {
  private pos: number;
  private bit = 8; // bits left in the current byte; 8 = none read yet
  private zeros = 0;
  private current = 0;

  constructor(
    private readonly data: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start; // the next byte to load
  }

  /** Bytes loaded so far (the byte holding the last bit read included), from `start`. */
  consumedFrom(start: number): number {
    return this.pos - start;
  }

  private loadByte(): boolean {
    for (;;) {
      if (this.pos >= this.end) return false;
      const byte = this.data[this.pos++] as number;
      if (this.zeros >= 2 && byte === 3) {
        this.zeros = 0;
        continue;
      }
      this.zeros = byte === 0 ? this.zeros + 1 : 0;
      this.current = byte;
      this.bit = 0;
      return true;
    }
  }

  private readBit(): number | null {
    if (this.bit >= 8 && !this.loadByte()) return null;
    return (this.current >> (7 - this.bit++)) & 1;
  }

  /** ue(v); null past the end or beyond 31 leading zeros. */
  readUe(): number | null {
    let leadingZeros = 0;
    for (;;) {
      const b = this.readBit();
      if (b === null) return null;
      if (b === 1) break;
      if (++leadingZeros > 31) return null;
    }
    let value = 0;
    for (let i = 0; i < leadingZeros; i++) {
      const b = this.readBit();
      if (b === null) return null;
      value = value * 2 + b;
    }
    return 2 ** leadingZeros - 1 + value;
  }
}

/**
 * Length of a slice unit's clear head: the NAL header byte and the bytes holding `first_mb_in_slice`, `slice_type`
 * and `pic_parameter_set_id`; null when they do not end within MAX_SLICE_HEAD bytes and before the unit's end.
 */
function sliceHeadLength(data: Uint8Array, unit: NalIndex): number | null {
  const payloadStart = unit.start + 1;
  const reader = new EbspBitReader(data, payloadStart, Math.min(unit.end, payloadStart + MAX_SLICE_HEAD));
  for (let field = 0; field < 3; field++) if (reader.readUe() === null) return null;
  return 1 + reader.consumedFrom(payloadStart);
}

/** Head length of each unit, or null for a clear unit; throws 'malformed-frame' for a slice header it cannot read. */
function heads(data: Uint8Array, units: readonly NalIndex[]): (number | null)[] {
  let protecting = false;
  return units.map((unit) => {
    const type = nalType(data[unit.start] as number);
    if (!protecting && LEADING_CLEAR.has(type)) return null;
    protecting = true;
    if (type === SLICE_NON_IDR || type === SLICE_IDR) {
      const length = sliceHeadLength(data, unit);
      if (length === null) throw malformed('an H264 slice header that cannot be read');
      return length;
    }
    return 1;
  });
}

function writeUnits(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out: Uint8Array[] = [];
  for (const part of parts) out.push(START_CODE, part);
  return concatBytes(...out);
}

/** Cuts an outgoing H264 frame (§2.1). Throws 'malformed-frame' for a frame CallSeal cannot send. */
export function h264Outgoing(data: Uint8Array): OutgoingLayout {
  const indices = splitAnnexB(data);
  if (indices === null) throw malformed('not an Annex B H264 frame');
  const lengths = heads(data, indices);
  const units: Unit[] = indices.map((index, i) => {
    const unit = data.subarray(index.start, index.end);
    const head = lengths[i];
    return head === null || head === undefined ? { head: unit, body: null } : { head: unit.subarray(0, head), body: unit.subarray(head) };
  });
  return unitsOutgoing(units, (segments) =>
    writeUnits(
      units.map((unit, i) => {
        const segment = segments[i];
        if (segment === null || segment === undefined) return unit.head;
        return concatBytes(unit.head, escapeSegment(segment, trailingZeros(unit.head)));
      }),
    ),
  );
}

/** Cuts a received H264 CallSeal frame as its sender did (§2.1). Throws 'malformed-frame' when it cannot. */
export function h264Incoming(data: Uint8Array): IncomingLayout {
  const indices = splitAnnexB(data);
  if (indices === null) throw malformed('not an Annex B H264 frame');
  const lengths = heads(data, indices);
  const units: ReceivedUnit[] = indices.map((index, i) => {
    const unit = data.subarray(index.start, index.end);
    const head = lengths[i];
    if (head === null || head === undefined) return { head: unit, segment: null };
    const clear = unit.subarray(0, head);
    return { head: clear, segment: unescapeSegment(unit.subarray(head), trailingZeros(clear)) };
  });
  return unitsIncoming(units, (bodies) =>
    writeUnits(
      units.map((unit, i) => {
        const body = bodies[i];
        return body === null || body === undefined ? unit.head : concatBytes(unit.head, body);
      }),
    ),
  );
}
