/**
 * Where CallSeal's bytes go in a frame of each codec (protocol.md §2): what stays in clear and is authenticated
 * (the SFrame AAD), what is encrypted, and where the container's tail X — the SFrame, the handshake packet and the
 * trailer, as `encodeCallSealFrame` writes them after an empty prefix — is placed.
 *
 *   prefix codecs (Opus, VP8, VP9): clear prefix || X                       the AAD is the prefix
 *   unit codecs (H264 NAL units, AV1 OBUs): each protected unit keeps its clear head; the bodies are encrypted as one
 *     SFrame, and X is cut into one segment per protected unit: the first carries the SFrame header and the first
 *     body's ciphertext, the middle ones their body's ciphertext, the last everything else (its body's ciphertext, the
 *     tag, the trailer). The AAD binds every clear byte and every body length but the last (§2.1), so the
 *     infrastructure can neither alter a header nor move ciphertext between units.
 *
 * Both directions are pure functions of the frame's bytes; nothing here holds a key.
 */
import { E2eeError } from '../../e2ee/errors';
import { concatBytes } from '../../shared/bytes';
import { parseCallSealFrame, type ParsedCallSealFrame } from '../../e2ee/frame-container';
import { decodeHeader } from '../../sframe';

/** An outgoing frame, cut for encryption. */
export interface OutgoingLayout {
  /** The SFrame metadata: authenticated, not encrypted. */
  aad: Uint8Array;
  /** What is encrypted (may be empty: then the frame can only carry a handshake). */
  plaintext: Uint8Array;
  /** The frame on the wire with the container tail `tail` in place; `media`: `tail` starts with an SFrame. */
  assemble(tail: Uint8Array, media: boolean): Uint8Array<ArrayBuffer>;
}

/** A received CallSeal frame, cut as its sender cut it. */
export interface IncomingLayout {
  /** The container (§2): handshake, flags, and the SFrame payload when `hasMedia`. */
  parsed: ParsedCallSealFrame;
  /** The SFrame metadata the sender used (only meaningful when `parsed.hasMedia`). */
  aad: Uint8Array;
  /** The frame for the decoder, from the decrypted payload. Throws 'malformed-frame' when the lengths disagree. */
  restore(plaintext: Uint8Array): Uint8Array<ArrayBuffer>;
}

export function malformed(why: string): E2eeError {
  return new E2eeError('malformed-frame', why);
}

// ---- prefix codecs -----------------------------------------------------------------------------------------------

export function prefixOutgoing(data: Uint8Array, prefixLength: number): OutgoingLayout {
  const prefix = data.subarray(0, prefixLength);
  return {
    aad: prefix,
    plaintext: data.subarray(prefixLength),
    assemble: (tail) => concatBytes(prefix, tail),
  };
}

/** Throws 'malformed-frame' for an inconsistent trailer (`data` ends in the magic: the caller checked). */
export function prefixIncoming(data: Uint8Array, prefixLength: number): IncomingLayout {
  const parsed = parseCallSealFrame(data, prefixLength);
  if (parsed === null) throw malformed('no CallSeal trailer');
  return {
    parsed,
    aad: parsed.clearPrefix,
    restore: (plaintext) => concatBytes(parsed.clearPrefix, plaintext),
  };
}

// ---- unit codecs -------------------------------------------------------------------------------------------------

/** A unit of an H264 or AV1 frame as CallSeal cuts it. */
export interface Unit {
  /** Bytes in clear: the whole unit (a clear unit), or its head (a protected unit). */
  head: Uint8Array;
  /** A protected unit's body (what is encrypted); null for a clear unit. */
  body: Uint8Array | null;
}

/** A received unit: its head, and for a protected unit its segment of X (unescaped). */
export interface ReceivedUnit {
  head: Uint8Array;
  segment: Uint8Array | null;
}

const KIND_CLEAR = 0;
const KIND_PROTECTED = 1;

/**
 * The AAD of a unit frame (§2.1): for each unit, kind u8 || u16 head length || head, and for protected units but the
 * last, u32 body length. `bodyLengths` are the protected units' body lengths, in order.
 */
function unitsAad(heads: readonly { head: Uint8Array; protected: boolean }[], bodyLengths: readonly number[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const unit of heads) {
    if (unit.head.length > 0xffff) throw malformed('a clear head longer than 65535 bytes');
    length += 3 + unit.head.length;
  }
  length += 4 * Math.max(0, bodyLengths.length - 1);
  const out = new Uint8Array(length);
  let w = 0;
  let body = 0;
  const protectedCount = bodyLengths.length;
  for (const unit of heads) {
    out[w++] = unit.protected ? KIND_PROTECTED : KIND_CLEAR;
    out[w++] = unit.head.length >>> 8;
    out[w++] = unit.head.length & 0xff;
    out.set(unit.head, w);
    w += unit.head.length;
    if (unit.protected) {
      if (body < protectedCount - 1) {
        const n = bodyLengths[body] as number;
        out[w++] = n >>> 24;
        out[w++] = (n >>> 16) & 0xff;
        out[w++] = (n >>> 8) & 0xff;
        out[w++] = n & 0xff;
      }
      body++;
    }
  }
  return out;
}

/** Sender: the units' AAD and plaintext, and the segments X is cut into. Throws when no unit is protected. */
export function unitsOutgoing(
  units: readonly Unit[],
  write: (segments: readonly (Uint8Array | null)[]) => Uint8Array<ArrayBuffer>,
): OutgoingLayout {
  const bodies: Uint8Array[] = [];
  for (const unit of units) if (unit.body !== null) bodies.push(unit.body);
  if (bodies.length === 0) throw malformed('no protected unit to carry the trailer');
  const aad = unitsAad(
    units.map((u) => ({ head: u.head, protected: u.body !== null })),
    bodies.map((b) => b.length),
  );
  return {
    aad,
    plaintext: concatBytes(...bodies),
    assemble(tail, media) {
      // Segment lengths: the first carries the SFrame header, the last takes the rest; no media, all but the last empty.
      const lengths = bodies.map((b) => (media ? b.length : 0));
      if (media) lengths[0] = (lengths[0] as number) + decodeHeader(tail).headerLength;
      const segments: (Uint8Array | null)[] = [];
      let offset = 0;
      let index = 0;
      for (const unit of units) {
        if (unit.body === null) {
          segments.push(null);
          continue;
        }
        const last = index === bodies.length - 1;
        const end = last ? tail.length : offset + (lengths[index] as number);
        if (end > tail.length) throw malformed('the container is shorter than its bodies');
        segments.push(tail.subarray(offset, end));
        offset = end;
        index++;
      }
      return write(segments);
    },
  };
}

/** Receiver: joins the segments into X, parses the container, and cuts the plaintext back into bodies. */
export function unitsIncoming(
  units: readonly ReceivedUnit[],
  write: (bodies: readonly (Uint8Array | null)[]) => Uint8Array<ArrayBuffer>,
): IncomingLayout {
  const segments: Uint8Array[] = [];
  for (const unit of units) if (unit.segment !== null) segments.push(unit.segment);
  if (segments.length === 0) throw malformed('no protected unit');
  const tail = concatBytes(...segments);
  const parsed = parseCallSealFrame(tail, 0);
  if (parsed === null) throw malformed('no CallSeal trailer');
  const heads = units.map((u) => ({ head: u.head, protected: u.segment !== null }));
  let bodyLengths: number[] = [];
  if (parsed.hasMedia) {
    const headerLength = decodeHeader(parsed.payload).headerLength;
    bodyLengths = segments.map((s) => s.length);
    bodyLengths[0] = (bodyLengths[0] as number) - headerLength;
    if ((bodyLengths[0] as number) < 0) throw malformed('the first segment is shorter than the SFrame header');
  }
  return {
    parsed,
    aad: unitsAad(heads, parsed.hasMedia ? bodyLengths : segments.map(() => 0)),
    restore(plaintext) {
      const n = bodyLengths.length;
      let before = 0;
      for (let i = 0; i < n - 1; i++) before += bodyLengths[i] as number;
      const lastLength = plaintext.length - before;
      if (n === 0 || lastLength < 0 || (n > 1 && lastLength > (segments[n - 1] as Uint8Array).length)) {
        throw malformed('the decrypted length does not match the segments');
      }
      bodyLengths[n - 1] = lastLength;
      const bodies: (Uint8Array | null)[] = [];
      let offset = 0;
      let index = 0;
      for (const unit of units) {
        if (unit.segment === null) {
          bodies.push(null);
          continue;
        }
        const length = bodyLengths[index++] as number;
        bodies.push(plaintext.subarray(offset, offset + length));
        offset += length;
      }
      return write(bodies);
    },
  };
}
