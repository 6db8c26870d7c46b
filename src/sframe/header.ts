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
 * The writer (minimal encoding) is the per-frame hot path's (hot-path.ts, number-based); the bigint one the tests
 * check it against is in tests/unit/sframe/support/reference/header.ts.
 *
 * The decoder is liberal in what it accepts: a non-minimal encoding (e.g. KID 5 in one extended byte)
 * decodes to its value. This is harmless because the header bytes themselves are authenticated as AAD
 * (RFC 9605 §4.4.3), so any re-encoding of a genuine header fails authentication.
 */
import { SFrameError } from './errors';
import { readBigEndian } from '../shared/bytes';
import { assertBytes } from './bytes';

/** A decoded SFrame header. */
export interface SFrameHeader {
  /** Key ID, 0..2^64-1. */
  readonly kid: bigint;
  /** Counter, 0..2^64-1. */
  readonly ctr: bigint;
  /** Number of bytes the header occupies at the start of the buffer (1..17). */
  readonly headerLength: number;
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
