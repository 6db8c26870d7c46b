/**
 * What the SFrame modules own about bytes (RFC 9605 §4.3 limits): argument checks and the WebCrypto handle, which
 * throw `SFrameError`. The plain byte helpers (concatenation, big-endian integers, WebCrypto buffers) live in
 * src/shared/bytes.ts. No cryptography is implemented here.
 */
import { SFrameError } from './errors';

/** 2^64 - 1: the largest KID or CTR an SFrame header can carry (RFC 9605 §4.3). */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

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

/** The WebCrypto SubtleCrypto of this global scope (window, worker or Node 20). */
export function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (s === undefined) {
    throw new SFrameError('crypto-unavailable', 'globalThis.crypto.subtle is not available (secure context required)');
  }
  return s;
}
