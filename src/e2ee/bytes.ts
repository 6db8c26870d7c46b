/**
 * What the handshake modules own about bytes: the checks that throw `E2eeError` (is this a Uint8Array of exactly N
 * bytes? does this integer fit its field of the handshake packet, protocol.md §4?), so that the error codes stay
 * consistent and no TypeError escapes. The plain byte helpers live in src/shared/bytes.ts.
 */
import { encodeBigEndian } from '../shared/bytes';
import { E2eeError } from './errors';
import type { E2eeErrorCode } from './errors';

// For the group-call modules (group-*.ts), wired in parallel (issue 13): they import these from here until that work
// lands; then they import from ../shared/bytes and this line goes.
export { compareBytes, concatBytes, equalBytes, toHex } from '../shared/bytes';

/** Throws `code` unless `value` is a Uint8Array (of exactly `length` bytes when given). */
export function requireBytes(
  value: unknown,
  what: string,
  length?: number,
  code: E2eeErrorCode = 'invalid-argument',
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new E2eeError('invalid-argument', `${what} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new E2eeError(code, `${what} must be ${length} bytes, got ${value.length}`);
  }
}

/** A 16-bit field of the handshake packet, big-endian; out of range: 'invalid-argument'. */
export function u16be(value: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new E2eeError('invalid-argument', 'u16 out of range');
  }
  return encodeBigEndian(BigInt(value), 2);
}

/** A 64-bit big-endian field (a KID in the key schedule, §5.3); out of range: 'invalid-argument'. */
export function u64be(value: bigint): Uint8Array<ArrayBuffer> {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new E2eeError('invalid-argument', 'u64 out of range');
  }
  return encodeBigEndian(value, 8);
}

/** ASCII-only text to bytes (labels are ASCII by construction; this refuses anything else). */
export function asciiBytes(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new E2eeError('invalid-argument', 'label must be ASCII');
    out[i] = c;
  }
  return out;
}
