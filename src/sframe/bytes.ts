/**
 * Byte and integer helpers shared by the SFrame modules: argument validation, big-endian encoding of
 * bigint values, concatenation, and the WebCrypto handle. No cryptography is implemented here.
 */

export { concatBytes, equalBytes as constantTimeEqual } from '../shared/bytes';
import { SFrameError } from './errors';

/** 2^64 - 1: the largest KID or CTR an SFrame header can carry (RFC 9605 §4.3). */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

/** A shared empty array (never written to). */
export const EMPTY_BYTES: Uint8Array<ArrayBuffer> = new Uint8Array(0);

/** True for any Uint8Array (including Node's Buffer), also across realms. */
function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  );
}

/** Throws 'invalid-argument' unless `value` is a Uint8Array (of exactly `length` bytes, if given). */
export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!isBytes(value)) {
    throw new SFrameError('invalid-argument', `${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new SFrameError('invalid-argument', `${name} must be ${length} bytes, got ${value.length}`);
  }
}

/** Throws 'invalid-argument' unless `value` is a bigint, and 'length-overflow' unless it is in 0..2^64-1. */
export function assertUint64(value: unknown, name: string): asserts value is bigint {
  if (typeof value !== 'bigint') {
    throw new SFrameError('invalid-argument', `${name} must be a bigint`);
  }
  if (value < 0n || value > MAX_UINT64) {
    throw new SFrameError('length-overflow', `${name} must be in 0..2^64-1`);
  }
}

/**
 * WebCrypto accepts only views over a non-shared ArrayBuffer; return `bytes` itself when it qualifies
 * (the common case, no copy) and a copy otherwise (e.g. a view over a SharedArrayBuffer).
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** Number of bytes needed to represent `value` (> 0) in big-endian form: 1..8 for a uint64. */
export function byteLengthOf(value: bigint): number {
  let length = 0;
  for (let v = value; v > 0n; v >>= 8n) length += 1;
  return length;
}

/** Writes `value` big-endian into `out[offset .. offset+length)`; `value` must fit. */
export function writeBigEndian(out: Uint8Array, offset: number, length: number, value: bigint): void {
  let v = value;
  for (let i = offset + length - 1; i >= offset; i -= 1) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** `encode_big_endian(value, length)` of RFC 9605 §4.4.2/§4.4.3; `value` must fit in `length` bytes. */
export function encodeBigEndian(value: bigint, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  writeBigEndian(out, 0, length, value);
  return out;
}

/** Reads `length` (1..8) big-endian bytes at `offset`; the caller checks bounds. */
export function readBigEndian(data: Uint8Array, offset: number, length: number): bigint {
  if (length <= 6) {
    // Up to 48 bits stay exact in a double: one BigInt conversion instead of one per byte.
    let small = 0;
    for (let i = offset; i < offset + length; i += 1) small = small * 256 + (data[i] ?? 0);
    return BigInt(small);
  }
  let value = 0n;
  for (let i = offset; i < offset + length; i += 1) {
    value = (value << 8n) | BigInt(data[i] ?? 0);
  }
  return value;
}

/** The WebCrypto SubtleCrypto of this global scope (window, worker or Node 20). */
export function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (s === undefined) {
    throw new SFrameError('crypto-unavailable', 'globalThis.crypto.subtle is not available (secure context required)');
  }
  return s;
}
