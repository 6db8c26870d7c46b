/**
 * The per-frame SFrame path (RFC 9605 §4.3, §4.4.3, §4.4.4) for the transform worker, with keys already derived
 * (`SFrameKeys`): the same bytes as `sframeEncrypt` / `sframeDecrypt`, at the least cost WebCrypto allows.
 *
 * Why a second path: `SFrameSender` / `SFrameReceiver` take any 64-bit KID and CTR as bigints and check every
 * argument, which is right for a library and costs a frame dozens of allocations, bigint operations and copies. Here
 * KIDs and CTRs are JS numbers (safe integers, below 2^53: at 100 frames a second a sender needs 2.8 million years to
 * get there), nothing is allocated per frame but WebCrypto's output and the frame handed back, and the frame's bytes
 * are copied exactly once in each direction (into the frame that goes on, which must be one ArrayBuffer):
 * - the nonce and the AAD are written into scratch buffers of the sealer or opener: WebCrypto copies its inputs before
 *   `encrypt`/`decrypt` return (WebCrypto §14.3: "get a copy of the bytes held by"), so they are free again at once;
 * - `seal` returns `before` free bytes | header | ciphertext | tag | `after` free bytes, for the caller's clear prefix
 *   and trailer; `open` returns `before` free bytes | plaintext, for the clear prefix.
 *
 * The security properties are the core's: a CTR is reserved synchronously before any await and never used twice; the
 * replay window (per opener, hence per key) is checked before and updated only after authentication; nothing of a
 * frame that fails comes back.
 */
import { bufferSource } from '../shared/bytes';
import { SFrameError } from './errors';
import { keyStateOf, type SFrameKeys } from './keys';
import type { Aead } from './aead-interface';
import { DEFAULT_REPLAY_WINDOW, NumberReplayWindow } from './replay-window';

/** The largest CTR (and KID) this path handles: a safe integer. */
const MAX_FAST_COUNTER = Number.MAX_SAFE_INTEGER;
const TWO_32 = 0x1_0000_0000;

function byteLength(value: number): number {
  let n = 0;
  for (let v = value; v > 0; v = Math.floor(v / 256)) n++;
  return n;
}

function writeBE(out: Uint8Array, offset: number, length: number, value: number): void {
  let v = value;
  for (let i = offset + length - 1; i >= offset; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Length of the minimal header for (kid, ctr) (RFC 9605 §4.3). */
function fastHeaderLength(kid: number, ctr: number): number {
  return 1 + (kid < 8 ? 0 : byteLength(kid)) + (ctr < 8 ? 0 : byteLength(ctr));
}

/** Writes the minimal header (RFC 9605 §4.3) at `out[offset..]`; returns its length. */
function writeFastHeader(out: Uint8Array, offset: number, kid: number, ctr: number): number {
  let config = 0;
  let at = offset + 1;
  if (kid < 8) config = kid << 4;
  else {
    const klen = byteLength(kid);
    config = 0x80 | ((klen - 1) << 4);
    writeBE(out, at, klen, kid);
    at += klen;
  }
  if (ctr < 8) config |= ctr;
  else {
    const clen = byteLength(ctr);
    config |= 0x08 | (clen - 1);
    writeBE(out, at, clen, ctr);
    at += clen;
  }
  out[offset] = config;
  return at - offset;
}

/** A header read from the wire. */
export interface FastHeader {
  kid: number;
  ctr: number;
  /** Bytes the header occupies. */
  length: number;
}

/**
 * Reads the header at `data[offset..end)`: null when it is truncated, or its KID or CTR is 2^53 or more (this path
 * never makes such a frame, so it cannot be ours). Non-minimal encodings decode (the header is authenticated as AAD).
 */
export function readFastHeader(data: Uint8Array, offset: number, end: number): FastHeader | null {
  if (offset >= end) return null;
  const config = data[offset] as number;
  const klen = config & 0x80 ? ((config >> 4) & 7) + 1 : 0;
  const clen = config & 0x08 ? (config & 7) + 1 : 0;
  const length = 1 + klen + clen;
  if (offset + length > end) return null;
  let kid = (config >> 4) & 7;
  let ctr = config & 7;
  let at = offset + 1;
  if (klen) {
    kid = 0;
    for (let i = 0; i < klen; i++) kid = kid * 256 + (data[at++] as number);
  }
  if (clen) {
    ctr = 0;
    for (let i = 0; i < clen; i++) ctr = ctr * 256 + (data[at++] as number);
  }
  if (kid > MAX_FAST_COUNTER || ctr > MAX_FAST_COUNTER) return null;
  return { kid, ctr, length };
}

/** nonce = salt XOR CTR as a big-endian integer of Nn bytes (RFC 9605 §4.4.3), into `nonce`. */
function writeNonce(nonce: Uint8Array, salt: Uint8Array, ctr: number): void {
  const n = nonce.length;
  nonce.set(salt);
  const hi = Math.floor(ctr / TWO_32);
  const lo = ctr >>> 0;
  nonce[n - 1] = (nonce[n - 1] as number) ^ (lo & 0xff);
  nonce[n - 2] = (nonce[n - 2] as number) ^ ((lo >>> 8) & 0xff);
  nonce[n - 3] = (nonce[n - 3] as number) ^ ((lo >>> 16) & 0xff);
  nonce[n - 4] = (nonce[n - 4] as number) ^ (lo >>> 24);
  nonce[n - 5] = (nonce[n - 5] as number) ^ (hi & 0xff);
  nonce[n - 6] = (nonce[n - 6] as number) ^ ((hi >>> 8) & 0xff);
  nonce[n - 7] = (nonce[n - 7] as number) ^ ((hi >>> 16) & 0xff);
}

/** A scratch buffer that grows (rarely) to hold header || metadata. */
class Scratch {
  bytes = new Uint8Array(64);
  take(length: number): Uint8Array<ArrayBuffer> {
    if (this.bytes.length < length) this.bytes = new Uint8Array(Math.max(length, 2 * this.bytes.length));
    return this.bytes;
  }
}

/** Encrypts frames under one KID (RFC 9605 §4.4.3) with counters 0, 1, 2, …; never reuses one. */
export class FrameSealer {
  readonly kid: number;
  readonly #aead: Aead;
  readonly #salt: Uint8Array;
  readonly #nonce: Uint8Array<ArrayBuffer>;
  readonly #aad = new Scratch();
  #next: number;

  constructor(keys: SFrameKeys, kid: number, firstCounter = 0) {
    if (!Number.isSafeInteger(kid) || kid < 0 || BigInt(kid) !== keys.kid) {
      throw new SFrameError('invalid-argument', `kid ${kid} does not match the keys' kid ${keys.kid}`);
    }
    if (!Number.isSafeInteger(firstCounter) || firstCounter < 0) {
      throw new SFrameError('length-overflow', 'the first counter must be a safe integer');
    }
    const state = keyStateOf(keys);
    this.kid = kid;
    this.#aead = state.aead;
    this.#salt = state.salt;
    this.#nonce = new Uint8Array(state.salt.length);
    this.#next = firstCounter;
  }

  /** The counter the next frame will use. */
  get nextCounter(): number {
    return this.#next;
  }

  /**
   * header || AEAD.Encrypt(key, nonce, header || metadata, plaintext), with `before` free bytes in front and `after`
   * behind. Throws SFrameError 'counter-exhausted' once every safe-integer counter is used.
   */
  async seal(plaintext: Uint8Array, metadata: Uint8Array, before: number, after: number): Promise<Uint8Array<ArrayBuffer>> {
    const ctr = this.#next;
    if (ctr >= MAX_FAST_COUNTER) throw new SFrameError('counter-exhausted', `all counters of kid ${this.kid} are used`);
    this.#next = ctr + 1; // reserved before any await
    const kid = this.kid;
    const hlen = fastHeaderLength(kid, ctr);
    const aad = this.#aad.take(hlen + metadata.length);
    writeFastHeader(aad, 0, kid, ctr);
    aad.set(metadata, hlen);
    writeNonce(this.#nonce, this.#salt, ctr);
    const sealed = await this.#aead.sealRaw(this.#nonce, aad.subarray(0, hlen + metadata.length), bufferSource(plaintext));
    const out = new Uint8Array(before + hlen + sealed.byteLength + after);
    writeFastHeader(out, before, kid, ctr);
    out.set(new Uint8Array(sealed), before + hlen);
    return out;
  }
}

/** Decrypts frames of one KID (RFC 9605 §4.4.4) with its own replay window (§9.3). */
export class FrameOpener {
  readonly kid: number;
  readonly window: NumberReplayWindow;
  readonly #aead: Aead;
  readonly #salt: Uint8Array;
  readonly #tag: number;
  readonly #nonce: Uint8Array<ArrayBuffer>;
  readonly #aad = new Scratch();

  constructor(keys: SFrameKeys, kid: number, replayWindow = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isSafeInteger(kid) || kid < 0 || BigInt(kid) !== keys.kid) {
      throw new SFrameError('invalid-argument', `kid ${kid} does not match the keys' kid ${keys.kid}`);
    }
    const state = keyStateOf(keys);
    this.kid = kid;
    this.window = new NumberReplayWindow(replayWindow);
    this.#aead = state.aead;
    this.#salt = state.salt;
    this.#tag = keys.suite.nt;
    this.#nonce = new Uint8Array(state.salt.length);
  }

  /**
   * Opens `sframe` (header || ciphertext || tag, its header already read as `header`) with AAD = header || metadata,
   * and returns `before` free bytes followed by the plaintext. The counter is recorded only once the frame
   * authenticated. Throws SFrameError: 'truncated-ciphertext', 'replay', 'authentication-failed'.
   */
  async open(sframe: Uint8Array, header: FastHeader, metadata: Uint8Array, before: number): Promise<Uint8Array<ArrayBuffer>> {
    const { ctr, length } = header;
    if (sframe.length - length < this.#tag) {
      throw new SFrameError('truncated-ciphertext', `${sframe.length - length} bytes after the header, fewer than the tag`);
    }
    const verdict = this.window.verdict(ctr);
    if (verdict !== null) throw new SFrameError('replay', `counter ${ctr} rejected: ${verdict}`);
    const aad = this.#aad.take(length + metadata.length);
    aad.set(sframe.subarray(0, length));
    aad.set(metadata, length);
    writeNonce(this.#nonce, this.#salt, ctr);
    const opened = await this.#aead.openRaw(this.#nonce, aad.subarray(0, length + metadata.length), bufferSource(sframe.subarray(length)));
    if (!this.window.accept(ctr)) throw new SFrameError('replay', `counter ${ctr} was accepted meanwhile`);
    if (before === 0) return new Uint8Array(opened);
    const out = new Uint8Array(before + opened.byteLength);
    out.set(new Uint8Array(opened), before);
    return out;
  }
}
