/**
 * Small byte helpers shared by the codecs and the key schedule.
 *
 * Why a module of its own: every public function here validates its inputs before touching them, and the same
 * checks (is this a Uint8Array of exactly N bytes?) recur everywhere. Centralising them keeps the error codes
 * consistent and keeps TypeErrors from escaping. `copyBytes` also exists because WebCrypto wants
 * `Uint8Array<ArrayBuffer>` (not a view of a SharedArrayBuffer, not a Node Buffer slice): we copy at the
 * boundary, which also protects us from callers mutating a buffer while an async operation reads it.
 */

import { E2eeError } from './errors';
import type { E2eeErrorCode } from './errors';

export { concatBytes, equalBytes, littleEndianToBigInt, toHex } from '../shared/bytes';

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

/** A fresh copy backed by its own ArrayBuffer (what WebCrypto accepts). */
export function copyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** Lexicographic order: negative when a < b, 0 when equal, positive when a > b. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i] ?? 0;
  return acc === 0;
}

export function u16be(value: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new E2eeError('invalid-argument', 'u16 out of range');
  }
  return Uint8Array.of(value >>> 8, value & 0xff);
}

export function u64be(value: bigint): Uint8Array<ArrayBuffer> {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new E2eeError('invalid-argument', 'u64 out of range');
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
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
