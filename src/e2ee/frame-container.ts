/**
 * The CallSeal frame container (protocol.md §2): how an encoded media frame looks on the wire once CallSeal has
 * touched it.
 *
 * Why: the handshake has to travel inside media frames (the web app is not ours), and a receiver has to tell, per
 * frame, "plain media from a peer without CallSeal" from "CallSeal frame, maybe with SFrame media, maybe with a
 * handshake packet". Everything CallSeal adds is therefore a trailer read from the END of the frame, while the start
 * of the frame keeps the codec's clear prefix (the bytes packetizers, SFUs and depacketizers look at: Opus TOC, VP8
 * payload header) untouched.
 *
 *   media only (version 3, the steady state):   clearPrefix | SFrame | 0x5C
 *   with a handshake packet:
 *   +----------------+------------------------+---------------------+-----------------------+--------+-------------+
 *   | clearPrefix    | payload                | handshake (L bytes) | L: u16 BE             | flags  | magic       |
 *   | N bytes, codec | SFrame, or ignored     |                     |                       | u8     | CA 11 5E A1 |
 *   +----------------+------------------------+---------------------+-----------------------+--------+-------------+
 *
 *   flags: bit0 HAS_MEDIA (payload is a non-empty SFrame), bit1 HAS_HANDSHAKE; other bits must be 0.
 *
 * Why one marker byte for media-only frames: they are nearly every frame of a call, and a 4-byte magic cost 4 bytes
 * on each. A frame that ends in the marker is only a candidate: it is CallSeal's if it decrypts (the caller decides;
 * plain media ends in 0x5C once in 256 frames). Frames with a packet keep the magic: they are few and long, and a
 * version-2 peer recognises them (protocol.md §4.1).
 *
 * A frame without HAS_MEDIA is handshake-only: the bytes between its clear prefix and its handshake are ignored by
 * receivers (a probe frame puts the rest of an invalid Opus packet there, §6.4); `filler` writes them.
 *
 * A frame that ends in neither is plain media: parse returns null. A frame that ends with the magic but whose trailer
 * is inconsistent is 'malformed-frame'. Plain media that happens to end in these four bytes (odds 2^-32 per frame)
 * is reported malformed too; the worker drops such frames.
 *
 * The receiver passes the codec's nominal clear-prefix length; it is clamped to the bytes in front of the trailer,
 * mirroring the sender's clamp to the original frame length (a frame shorter than its nominal prefix has nothing
 * left to encrypt). Parsed parts are views into `data`, not copies (this runs per frame).
 */
import { concatBytes } from '../shared/bytes';
import { requireBytes } from './bytes';
import {
  FRAME_FLAG_HAS_HANDSHAKE,
  FRAME_FLAG_HAS_MEDIA,
  FRAME_HANDSHAKE_LENGTH_FIELD,
  FRAME_KNOWN_FLAGS,
  FRAME_MAGIC,
  FRAME_MAGIC_LENGTH,
  FRAME_MEDIA_MARKER,
  FRAME_TRAILER_LENGTH,
  MAX_FRAME_HANDSHAKE_LENGTH,
} from './constants';
import { E2eeError } from './errors';

interface CallSealFrameParts {
  /** The codec's clear prefix, copied from the original frame. */
  clearPrefix: Uint8Array;
  /** The SFrame ciphertext, or empty for a handshake-only frame. HAS_MEDIA iff non-empty. */
  payload: Uint8Array;
  /** Handshake packet to attach (null/undefined: none). */
  handshake?: Uint8Array | null | undefined;
  /** Bytes receivers ignore, between the prefix and the handshake; only in frames without media. */
  filler?: Uint8Array | undefined;
}

export interface ParsedCallSealFrame {
  /** True for a media-only frame (the marker): CallSeal's only if its payload decrypts. */
  candidate?: boolean;
  clearPrefix: Uint8Array;
  /** The SFrame when `hasMedia`; otherwise the ignored bytes. */
  payload: Uint8Array;
  handshake?: Uint8Array;
  hasMedia: boolean;
}

const MAGIC = Uint8Array.from(FRAME_MAGIC);

/** Builds clearPrefix | payload or filler | [handshake | len] | flags | magic. */
export function encodeCallSealFrame(parts: CallSealFrameParts): Uint8Array<ArrayBuffer> {
  if (typeof parts !== 'object' || parts === null) {
    throw new E2eeError('invalid-argument', 'frame parts must be an object');
  }
  requireBytes(parts.clearPrefix, 'clear prefix');
  requireBytes(parts.payload, 'payload');
  const filler = parts.filler ?? new Uint8Array(0);
  requireBytes(filler, 'filler');
  if (filler.length > 0 && parts.payload.length > 0) {
    throw new E2eeError('invalid-argument', 'a frame with media carries no filler');
  }
  const handshake = parts.handshake ?? null;
  if (handshake === null && filler.length === 0 && parts.payload.length > 0) {
    return concatBytes(parts.clearPrefix, parts.payload, Uint8Array.of(FRAME_MEDIA_MARKER));
  }
  let flags = parts.payload.length > 0 ? FRAME_FLAG_HAS_MEDIA : 0;
  let handshakePart: Uint8Array = new Uint8Array(0);
  if (handshake !== null) {
    requireBytes(handshake, 'handshake');
    if (handshake.length === 0 || handshake.length > MAX_FRAME_HANDSHAKE_LENGTH) {
      throw new E2eeError('invalid-argument', `handshake must be 1..${MAX_FRAME_HANDSHAKE_LENGTH} bytes`);
    }
    flags |= FRAME_FLAG_HAS_HANDSHAKE;
    handshakePart = concatBytes(handshake, Uint8Array.of(handshake.length >>> 8, handshake.length & 0xff));
  }
  return concatBytes(parts.clearPrefix, parts.payload, filler, handshakePart, Uint8Array.of(flags), MAGIC);
}

/** Bytes the trailer takes: [handshake | len] | flags | magic (§2). */
export function trailerLength(handshake: Uint8Array | null): number {
  return handshake === null ? 1 : handshake.length + FRAME_HANDSHAKE_LENGTH_FIELD + FRAME_TRAILER_LENGTH;
}

/**
 * Writes the trailer into `out` from `at` to its end (exactly `trailerLength(handshake)` bytes): the zero-copy form
 * of `encodeCallSealFrame` for a frame whose prefix and payload are already in place.
 */
export function writeTrailer(out: Uint8Array, at: number, hasMedia: boolean, handshake: Uint8Array | null): void {
  if (handshake === null && hasMedia) {
    out[at] = FRAME_MEDIA_MARKER;
    return;
  }
  let flags = hasMedia ? FRAME_FLAG_HAS_MEDIA : 0;
  let position = at;
  if (handshake !== null) {
    if (handshake.length === 0 || handshake.length > MAX_FRAME_HANDSHAKE_LENGTH) {
      throw new E2eeError('invalid-argument', `handshake must be 1..${MAX_FRAME_HANDSHAKE_LENGTH} bytes`);
    }
    flags |= FRAME_FLAG_HAS_HANDSHAKE;
    out.set(handshake, position);
    position += handshake.length;
    out[position++] = handshake.length >>> 8;
    out[position++] = handshake.length & 0xff;
  }
  out[position++] = flags;
  out.set(MAGIC, position);
}

function malformed(why: string): E2eeError {
  return new E2eeError('malformed-frame', why);
}

/** True when `data` ends in the media marker (§2): a candidate media-only frame, CallSeal's only if it decrypts. */
export function endsInMediaMarker(data: Uint8Array): boolean {
  return data instanceof Uint8Array && data.length > 1 && data[data.length - 1] === FRAME_MEDIA_MARKER;
}

/** True when `data` ends with CallSeal's magic (§2): a frame with a handshake packet. */
export function hasCallSealTrailer(data: Uint8Array): boolean {
  if (!(data instanceof Uint8Array) || data.length < FRAME_TRAILER_LENGTH) return false;
  const magicAt = data.length - FRAME_MAGIC_LENGTH;
  for (let i = 0; i < FRAME_MAGIC_LENGTH; i++) {
    if (data[magicAt + i] !== MAGIC[i]) return false;
  }
  return true;
}

/**
 * Splits a received frame. null: not a CallSeal frame (no magic, i.e. plain media). Throws 'malformed-frame' when
 * the magic is present but the trailer is inconsistent.
 */
export function parseCallSealFrame(data: Uint8Array, clearPrefixLength: number): ParsedCallSealFrame | null {
  requireBytes(data, 'frame data');
  if (!Number.isSafeInteger(clearPrefixLength) || clearPrefixLength < 0) {
    throw new E2eeError('invalid-argument', 'clear prefix length must be a non-negative integer');
  }
  if (!hasCallSealTrailer(data)) {
    if (!endsInMediaMarker(data)) return null;
    const end = data.length - 1;
    const prefixLength = Math.min(clearPrefixLength, end);
    if (prefixLength === end) return null; // nothing after the prefix: not a media frame
    return { candidate: true, clearPrefix: data.subarray(0, prefixLength), payload: data.subarray(prefixLength, end), hasMedia: true };
  }
  const flags = data[data.length - FRAME_TRAILER_LENGTH] ?? 0;
  if ((flags & ~FRAME_KNOWN_FLAGS) !== 0) throw malformed(`unknown flag bits 0x${flags.toString(16)}`);
  let end = data.length - FRAME_TRAILER_LENGTH;
  let handshake: Uint8Array | undefined;
  if ((flags & FRAME_FLAG_HAS_HANDSHAKE) !== 0) {
    if (end < FRAME_HANDSHAKE_LENGTH_FIELD) throw malformed('handshake length field is missing');
    const handshakeLength = ((data[end - 2] ?? 0) << 8) | (data[end - 1] ?? 0);
    end -= FRAME_HANDSHAKE_LENGTH_FIELD;
    if (handshakeLength === 0) throw malformed('handshake length is zero');
    if (handshakeLength > end) throw malformed('handshake length exceeds the frame');
    handshake = data.subarray(end - handshakeLength, end);
    end -= handshakeLength;
  }
  const prefixLength = Math.min(clearPrefixLength, end);
  const payload = data.subarray(prefixLength, end);
  const hasMedia = (flags & FRAME_FLAG_HAS_MEDIA) !== 0;
  if (hasMedia && payload.length === 0) throw malformed('HAS_MEDIA without a payload');
  const parsed: ParsedCallSealFrame = { clearPrefix: data.subarray(0, prefixLength), payload, hasMedia };
  if (handshake !== undefined) parsed.handshake = handshake;
  return parsed;
}

/**
 * How many leading bytes of an encoded frame stay in clear, or null for a codec CallSeal does not support
 * (H264, AV1, anything unknown: their packetizers parse the payload, so an opaque SFrame would break them).
 *
 *   audio/opus  1  (the TOC byte)
 *   video/VP8  10 on key frames (3-byte frame tag + 7-byte start code and dimensions), 3 on delta frames
 *   video/VP9   0
 *
 * Clamped to frameLength. The mime type is case-insensitive; parameters after ';' are ignored.
 */
export function codecClearPrefixLength(mimeType: string, isKeyFrame: boolean, frameLength: number): number | null {
  if (typeof mimeType !== 'string') throw new E2eeError('invalid-argument', 'mime type must be a string');
  if (typeof isKeyFrame !== 'boolean') throw new E2eeError('invalid-argument', 'isKeyFrame must be a boolean');
  if (!Number.isSafeInteger(frameLength) || frameLength < 0) {
    throw new E2eeError('invalid-argument', 'frame length must be a non-negative integer');
  }
  const mime = (mimeType.split(';')[0] ?? '').trim().toLowerCase();
  let length: number;
  switch (mime) {
    case 'audio/opus':
      length = 1;
      break;
    case 'video/vp8':
      length = isKeyFrame ? 10 : 3;
      break;
    case 'video/vp9':
      length = 0;
      break;
    default:
      return null;
  }
  return Math.min(length, frameLength);
}
