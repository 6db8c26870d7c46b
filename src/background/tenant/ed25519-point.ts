/**
 * Just enough Edwards25519 arithmetic (RFC 8032 §5.1) to judge a public key or a signature's R from its bytes:
 * decoding with every canonicality rule, and "is this point of small order / outside the prime-order subgroup".
 * WebCrypto does the verification itself; these checks run first so that a runtime which accepts weak keys cannot
 * be led to accept a forged document (a small-order key verifies an all-zero-ish signature for any message).
 * BigInt, not constant time: everything judged here is public.
 */

const P = 2n ** 255n - 19n;
/** The order of the prime-order subgroup (the group order L of RFC 8032). */
export const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

const mod = (a: bigint): bigint => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = mod(result * b);
    b = mod(b * b);
  }
  return result;
}

const inverse = (a: bigint): bigint => pow(a, P - 2n);
const D = mod(-121665n * inverse(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** A point in extended coordinates: x = X/Z, y = Y/Z, x·y = T/Z. */
export interface Point {
  X: bigint;
  Y: bigint;
  Z: bigint;
  T: bigint;
}

export const IDENTITY: Point = { X: 0n, Y: 1n, Z: 1n, T: 0n };

export function addPoints(p: Point, q: Point): Point {
  const a = mod((p.Y - p.X) * (q.Y - q.X));
  const b = mod((p.Y + p.X) * (q.Y + q.X));
  const c = mod(2n * D * p.T * q.T);
  const d = mod(2n * p.Z * q.Z);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return { X: mod(e * f), Y: mod(g * h), Z: mod(f * g), T: mod(e * h) };
}

export function multiplyPoint(point: Point, scalar: bigint): Point {
  let result = IDENTITY;
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = addPoints(result, addend);
    addend = addPoints(addend, addend);
  }
  return result;
}

export function isIdentity(point: Point): boolean {
  return mod(point.X) === 0n && mod(point.Y - point.Z) === 0n;
}

export function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

export type DecodeResult = { ok: true; point: Point } | { ok: false; reason: 'length' | 'non-canonical' | 'not-on-curve' };

/** RFC 8032 §5.1.3 decoding, refusing y ≥ p and a set sign bit on x = 0. */
export function decodePoint(bytes: Uint8Array): DecodeResult {
  if (bytes.length !== 32) return { ok: false, reason: 'length' };
  const sign = ((bytes[31] ?? 0) >> 7) & 1;
  const yBytes = Uint8Array.from(bytes);
  yBytes[31] = (yBytes[31] ?? 0) & 0x7f;
  const y = littleEndianToBigInt(yBytes);
  if (y >= P) return { ok: false, reason: 'non-canonical' };
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
  else if (vx2 !== u) return { ok: false, reason: 'not-on-curve' };
  if (x === 0n && sign === 1) return { ok: false, reason: 'non-canonical' };
  if (Number(x & 1n) !== sign) x = P - x;
  return { ok: true, point: { X: x, Y: y, Z: 1n, T: mod(x * y) } };
}

export function encodePoint(point: Point): Uint8Array<ArrayBuffer> {
  const zInv = inverse(point.Z);
  const x = mod(point.X * zInv);
  let y = mod(point.Y * zInv);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, y >>= 8n) out[i] = Number(y & 0xffn);
  out[31] = (out[31] ?? 0) | (Number(x & 1n) << 7);
  return out;
}

/** Of order 1, 2, 4 or 8: [8]P is the identity. */
export function hasSmallOrder(point: Point): boolean {
  return isIdentity(multiplyPoint(point, 8n));
}

/** In the prime-order subgroup: [L]P is the identity. */
export function isTorsionFree(point: Point): boolean {
  return isIdentity(multiplyPoint(point, GROUP_ORDER));
}
