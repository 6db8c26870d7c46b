/**
 * The one home of CallSeal's byte-string helpers, used by every part (the SFrame core, the handshake, the worker,
 * the background): plain functions over Uint8Array that throw nothing of their own, no platform APIs. What a domain
 * must own stays in its folder: the checks that throw its errors (src/sframe/bytes.ts throws SFrameError,
 * src/e2ee/bytes.ts throws E2eeError, e.g. the range-checked `u16be`/`u64be` of the handshake).
 */

/** Concatenates byte strings into a fresh array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Equality without an early exit (the inputs may be tags, digests or key material). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** A little-endian unsigned integer (curve encodings are little-endian, RFC 7748 §5, RFC 8032 §5.1.2). */
export function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
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

/** True when every byte is zero, without an early exit (the input may be a shared secret). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i] ?? 0;
  return acc === 0;
}

// ---- into WebCrypto: views over a plain ArrayBuffer -------------------------------------------------------------

/**
 * A fresh copy backed by its own ArrayBuffer: what WebCrypto accepts, and safe from a caller that mutates its buffer
 * while an async operation reads it (the handshake copies at this boundary).
 */
export function copyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/**
 * WebCrypto accepts only views over a non-shared ArrayBuffer: `bytes` itself when it qualifies (the common case, no
 * copy: the frame path's choice) and a copy otherwise (e.g. a view over a SharedArrayBuffer).
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

// ---- big-endian unsigned integers ---------------------------------------------------------------------------------

/** Writes `value` big-endian into `out[offset .. offset+length)`; `value` must fit (the caller checks). */
export function writeBigEndian(out: Uint8Array, offset: number, length: number, value: bigint): void {
  let v = value;
  for (let i = offset + length - 1; i >= offset; i -= 1) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** `value` as `length` big-endian bytes (RFC 9605's `encode_big_endian`); `value` must fit (the caller checks). */
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
