/**
 * SFrame header encoding and decoding (RFC 9605 §4.3).
 *
 * The header is a config byte followed by the optional extended KID and CTR fields:
 *
 * ```text
 *      Config Byte
 *           |
 *    .-----' '-----.
 *   |               |
 *    0 1 2 3 4 5 6 7
 *   +-+-+-+-+-+-+-+-+------------+------------+
 *   |X|  K  |Y|  C  |   KID...   |   CTR...   |
 *   +-+-+-+-+-+-+-+-+------------+------------+
 *
 *   X (1 bit)  extended KID flag: 0 -> K is the KID (0..7); 1 -> K+1 is KLEN, the KID byte length (1..8)
 *   K (3 bits) KID, or KLEN - 1
 *   Y (1 bit)  extended CTR flag: 0 -> C is the CTR (0..7); 1 -> C+1 is CLEN, the CTR byte length (1..8)
 *   C (3 bits) CTR, or CLEN - 1
 *   KID        KLEN bytes, big-endian, present only when X = 1
 *   CTR        CLEN bytes, big-endian, present only when Y = 1
 * ```
 *
 * Examples: KID 0 / CTR 0 is `00`; KID 1 / CTR 255 is `18 ff`; KID 0x123 / CTR 0x4567 is
 * `99 01 23 45 67` (X=1, KLEN=2, Y=1, CLEN=2). Values 0..7 are always carried inline, larger values in the
 * minimum number of bytes (RFC 9605 §4.3: "MUST be encoded with the minimum number of bytes required").
 *
 * The decoder is liberal in what it accepts: a non-minimal encoding (e.g. KID 5 in one extended byte)
 * decodes to its value. This is harmless because the header bytes themselves are authenticated as AAD
 * (RFC 9605 §4.4.3), so any re-encoding of a genuine header fails authentication.
 */
import { SFrameError } from './errors';
import { byteLengthOf, readBigEndian, writeBigEndian } from '../shared/bytes';
import { assertBytes, assertUint64 } from './bytes';

/** A decoded SFrame header. */
export interface SFrameHeader {
  /** Key ID, 0..2^64-1. */
  readonly kid: bigint;
  /** Counter, 0..2^64-1. */
  readonly ctr: bigint;
  /** Number of bytes the header occupies at the start of the buffer (1..17). */
  readonly headerLength: number;
}

/** Length of the encoded header for this KID and CTR (both already validated). */
export function headerLength(kid: bigint, ctr: bigint): number {
  return 1 + (kid < 8n ? 0 : byteLengthOf(kid)) + (ctr < 8n ? 0 : byteLengthOf(ctr));
}

/**
 * Writes the minimal header for (kid, ctr) at `out[offset..]` and returns its length (RFC 9605 §4.3).
 * `out` must have room for `headerLength(kid, ctr)` bytes. Throws like `encodeHeader`.
 */
export function writeHeader(out: Uint8Array, offset: number, kid: bigint, ctr: bigint): number {
  assertUint64(kid, 'kid');
  assertUint64(ctr, 'ctr');
  let config = 0;
  let position = offset + 1;
  if (kid < 8n) {
    config |= Number(kid) << 4;
  } else {
    const klen = byteLengthOf(kid);
    config |= 0x80 | ((klen - 1) << 4);
    writeBigEndian(out, position, klen, kid);
    position += klen;
  }
  if (ctr < 8n) {
    config |= Number(ctr);
  } else {
    const clen = byteLengthOf(ctr);
    config |= 0x08 | (clen - 1);
    writeBigEndian(out, position, clen, ctr);
    position += clen;
  }
  out[offset] = config;
  return position - offset;
}

/**
 * Encodes an SFrame header (RFC 9605 §4.3) with the minimal encoding of KID and CTR.
 * Throws SFrameError 'invalid-argument' for non-bigint input, 'length-overflow' outside 0..2^64-1.
 */
export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array<ArrayBuffer> {
  assertUint64(kid, 'kid');
  assertUint64(ctr, 'ctr');
  const out = new Uint8Array(headerLength(kid, ctr));
  writeHeader(out, 0, kid, ctr);
  return out;
}

/**
 * Decodes the SFrame header at the start of `data` (RFC 9605 §4.3); bytes after it are ignored.
 * Throws SFrameError 'invalid-argument' if `data` is not a Uint8Array, and 'truncated-header' if it is empty or
 * shorter than the KID and CTR fields its config byte declares.
 */
export function decodeHeader(data: Uint8Array): SFrameHeader {
  assertBytes(data, 'data');
  const config = data[0];
  if (config === undefined) {
    throw new SFrameError('truncated-header', 'empty buffer: no SFrame config byte');
  }
  const extendedKid = (config & 0x80) !== 0;
  const k = (config >> 4) & 0x07;
  const extendedCtr = (config & 0x08) !== 0;
  const c = config & 0x07;
  const klen = extendedKid ? k + 1 : 0;
  const clen = extendedCtr ? c + 1 : 0;
  const length = 1 + klen + clen;
  if (length > data.length) {
    throw new SFrameError(
      'truncated-header',
      `header declares ${length} bytes (KLEN ${klen}, CLEN ${clen}) but only ${data.length} are present`,
    );
  }
  const kid = extendedKid ? readBigEndian(data, 1, klen) : BigInt(k);
  const ctr = extendedCtr ? readBigEndian(data, 1 + klen, clen) : BigInt(c);
  return { kid, ctr, headerLength: length };
}
