/**
 * AV1 frames (protocol.md §2.2): a sequence of OBUs; the leading sequence headers stay whole and in clear, every later
 * OBU keeps its header (and extension) byte in clear and has its payload encrypted. Temporal delimiters, tile lists and
 * padding are left out, as Chromium's packetizer leaves them out. No escaping: OBUs are delimited by sizes.
 */
import { malformed, unitsIncoming, unitsOutgoing, type IncomingLayout, type OutgoingLayout, type Unit } from './layout';
import { concatBytes } from '../../shared/bytes';

const OBU_SEQUENCE_HEADER = 1;
const OBU_TEMPORAL_DELIMITER = 2;
const OBU_TILE_LIST = 8;
const OBU_PADDING = 15;
const HAS_SIZE = 0x02;
const HAS_EXTENSION = 0x04;
const FORBIDDEN = 0x80;

interface Obu {
  /** The header byte as it came. */
  header: number;
  /** The extension byte, if the header says there is one. */
  extension: number | undefined;
  payload: Uint8Array;
}

export function obuType(header: number): number {
  return (header >> 3) & 0x0f;
}

/** Reads a leb128 (at most 8 bytes, value < 2^32 as libaom writes them); null when it does not fit. */
function readLeb128(data: Uint8Array, at: number): { value: number; length: number } | null {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = data[at + i];
    if (byte === undefined) return null;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value > 0xffffffff ? null : { value, length: i + 1 };
  }
  return null;
}

function writeLeb128(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return Uint8Array.from(out);
}

/** The OBUs of a frame, in order; throws 'malformed-frame' for a forbidden bit or a size beyond the frame. */
export function parseObus(data: Uint8Array): Obu[] {
  const obus: Obu[] = [];
  let at = 0;
  while (at < data.length) {
    const header = data[at] as number;
    if (header & FORBIDDEN) throw malformed('an AV1 OBU with the forbidden bit set');
    let position = at + 1;
    let extension: number | undefined;
    if (header & HAS_EXTENSION) {
      extension = data[position];
      if (extension === undefined) throw malformed('an AV1 OBU extension beyond the frame');
      position++;
    }
    let end = data.length;
    if (header & HAS_SIZE) {
      const size = readLeb128(data, position);
      if (size === null) throw malformed('an unreadable AV1 OBU size');
      position += size.length;
      end = position + size.value;
      if (end > data.length) throw malformed('an AV1 OBU size beyond the frame');
    }
    obus.push({ header, extension, payload: data.subarray(position, end) });
    at = end;
  }
  return obus;
}

/** The OBUs the RTP packetizer keeps. */
function carried(obus: readonly Obu[]): Obu[] {
  return obus.filter((obu) => {
    const type = obuType(obu.header);
    return type !== OBU_TEMPORAL_DELIMITER && type !== OBU_TILE_LIST && type !== OBU_PADDING;
  });
}

/** What the AAD holds of an OBU's header: the header byte without obu_has_size_field, and the extension. */
function canonicalHeader(obu: Obu): Uint8Array {
  const head = [obu.header & ~HAS_SIZE];
  if (obu.extension !== undefined) head.push(obu.extension);
  return Uint8Array.from(head);
}

/** Each OBU as written: header (with a size field) || extension || leb128(size) || payload. */
function writeObus(obus: readonly Obu[], payloads: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  obus.forEach((obu, i) => {
    const payload = payloads[i] as Uint8Array;
    const header = obu.extension === undefined ? [obu.header | HAS_SIZE] : [obu.header | HAS_SIZE, obu.extension];
    parts.push(Uint8Array.from(header), writeLeb128(payload.length), payload);
  });
  return concatBytes(...parts);
}

function cut(obus: readonly Obu[]): { obu: Obu; clear: boolean }[] {
  let protecting = false;
  return obus.map((obu) => {
    if (!protecting && obuType(obu.header) === OBU_SEQUENCE_HEADER) return { obu, clear: true };
    protecting = true;
    return { obu, clear: false };
  });
}

/** Cuts an outgoing AV1 frame (§2.2). Throws 'malformed-frame' for a frame CallSeal cannot send. */
export function av1Outgoing(data: Uint8Array): OutgoingLayout {
  const obus = cut(carried(parseObus(data)));
  const units: Unit[] = obus.map(({ obu, clear }) =>
    clear ? { head: concatBytes(canonicalHeader(obu), obu.payload), body: null } : { head: canonicalHeader(obu), body: obu.payload },
  );
  return unitsOutgoing(units, (segments) =>
    writeObus(
      obus.map((o) => o.obu),
      obus.map(({ obu }, i) => segments[i] ?? obu.payload),
    ),
  );
}

/** Cuts a received AV1 CallSeal frame as its sender did (§2.2). Throws 'malformed-frame' when it cannot. */
export function av1Incoming(data: Uint8Array): IncomingLayout {
  const obus = cut(carried(parseObus(data)));
  return unitsIncoming(
    obus.map(({ obu, clear }) =>
      clear ? { head: concatBytes(canonicalHeader(obu), obu.payload), segment: null } : { head: canonicalHeader(obu), segment: obu.payload },
    ),
    (bodies) =>
      writeObus(
        obus.map((o) => o.obu),
        obus.map(({ obu }, i) => bodies[i] ?? obu.payload),
      ),
  );
}
