/**
 * The RFC's header writer over bigint KIDs and CTRs (RFC 9605 §4.3, minimal encoding), every argument checked — the
 * tests' reference for the hot path's number-based writer (src/sframe/hot-path.ts). The decoder is production code:
 * src/sframe/header.ts.
 */
import { writeBigEndian } from '../../../../../src/shared/bytes';
import { assertUint64 } from '../../../../../src/sframe/bytes';

/** Number of bytes needed to represent `value` (> 0) in big-endian form: 1..8 for a uint64. */
export function byteLengthOf(value: bigint): number {
  let length = 0;
  for (let v = value; v > 0n; v >>= 8n) length += 1;
  return length;
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

