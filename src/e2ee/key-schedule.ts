/**
 * The key schedule: from two signed hellos to per-direction secrets and SFrame base keys.
 *
 * Why: each side's hello carries a fresh X25519 ephemeral key signed by its identity key; both sides can then
 * compute the same shared secret, bind it to everything that was said (the transcript of both signed hellos)
 * and split it into one secret per direction, so that the two senders never share a key and a reflected frame
 * never decrypts. Direction secrets stay inside WebCrypto as non-extractable HKDF keys; only the per-KID SFrame
 * base keys (what the SFrame core consumes) leave it as bytes.
 *
 *   shared  = X25519(my ephemeral private, peer ephemeral public)          reject all-zero ('weak-key')
 *   A, B    = the two signed hellos (body || signature, acks excluded), A < B lexicographically
 *   th      = SHA-256("CallSeal-v1 transcript" || u16 len(A) || A || u16 len(B) || B)
 *   send    = HKDF-SHA256(IKM = shared, salt = th, info = "CallSeal-v1 sender" || my ephemeral public)   32 B
 *   receive = HKDF-SHA256(IKM = shared, salt = th, info = "CallSeal-v1 sender" || peer ephemeral public) 32 B
 *   base    = HKDF-SHA256(IKM = direction secret, salt = "", info = "CallSeal-v1 sframe base key" || u64 BE kid)
 *
 * KID layout (24 bits used of SFrame's u64):
 *
 *   23              8 7        0
 *   +----------------+----------+
 *   | kidTag = th[0..2) u16 BE  | senderIndex u8 |
 *   +----------------+----------+
 *
 * The tag tells epochs apart on receive (the worker keeps the previous epoch's receive keys briefly); the
 * sender index separates the page's several senders (audio, video, more peer connections), each with its own
 * base key and so its own SFrame counter space.
 */
import { compareBytes, concatBytes, copyBytes, equalBytes, isAllZero, requireBytes, u16be, u64be } from './bytes';
import {
  DIRECTION_SECRET_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  MAX_SENDER_INDEX,
  SENDER_LABEL_BYTES,
  SFRAME_BASE_KEY_LABEL_BYTES,
  SFRAME_BASE_KEY_LENGTH,
  SHA256_LENGTH,
  TRANSCRIPT_LABEL_BYTES,
  X25519_PUBLIC_KEY_LENGTH,
  X25519_SHARED_SECRET_BITS,
} from './constants';
import { E2eeError } from './errors';
import { decodeHelloBody, verifyHelloSignature } from './hello';
import type { DecodedHello, HelloBodyInfo } from './hello';
import { securityCode } from './security-code';
import { cryptoCall, hkdfSha256, importHkdfKey, sha256, subtle } from './webcrypto';

export interface EphemeralKeyPair {
  /** X25519 private key, non-extractable, usable for deriveBits only. */
  privateKey: CryptoKey;
  /** Raw 32-byte X25519 public key, as carried in the hello. */
  publicKey: Uint8Array;
}

export interface EpochSecrets {
  /** SHA-256 of the ordered transcript of both signed hellos; identical on both sides. */
  transcriptHash: Uint8Array;
  /** th[0..2) as u16 BE: the upper 16 bits of every KID of this epoch. */
  kidTag: number;
  /** Non-extractable HKDF key: our sending direction (equals the peer's receiveSecret). */
  sendSecret: CryptoKey;
  /** Non-extractable HKDF key: the peer's sending direction. */
  receiveSecret: CryptoKey;
  /** "ddddd ddddd ddddd ddddd", identical on both sides unless someone is in the middle. */
  securityCode: string;
  peerIdentityPublicKey: Uint8Array;
  peerSessionId: Uint8Array;
}

export interface DeriveEpochInput {
  /** Our ephemeral X25519 private key (from generateEphemeral). */
  myPrivateKey: CryptoKey;
  /** Our own decoded hello (its ephemeral key must be myPrivateKey's public key). */
  myHello: DecodedHello;
  /** The peer's decoded hello. Its signature is verified here. */
  peerHello: DecodedHello;
}

/** A fresh X25519 key pair; the private half never leaves WebCrypto. */
export async function generateEphemeral(): Promise<EphemeralKeyPair> {
  return cryptoCall('X25519 generateKey', 'crypto-unavailable', async () => {
    const pair = await subtle().generateKey({ name: 'X25519' }, false, ['deriveBits']);
    const raw = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
    if (raw.length !== X25519_PUBLIC_KEY_LENGTH) {
      throw new E2eeError('crypto-unavailable', 'X25519 public key has an unexpected length');
    }
    return { privateKey: pair.privateKey, publicKey: raw };
  });
}

function requireKey(key: unknown, what: string, algorithm: string, type: KeyType): asserts key is CryptoKey {
  const k = key as Partial<CryptoKey> | null;
  if (typeof k !== 'object' || k === null || k.type !== type || k.algorithm?.name !== algorithm) {
    throw new E2eeError('invalid-argument', `${what} must be an ${algorithm} ${type} CryptoKey`);
  }
}

function signedHello(hello: DecodedHello, what: string): { info: HelloBodyInfo; signed: Uint8Array } {
  if (typeof hello !== 'object' || hello === null) throw new E2eeError('invalid-argument', `${what} is missing`);
  requireBytes(hello.signature, `${what} signature`, ED25519_SIGNATURE_LENGTH, 'malformed-hello');
  const info = decodeHelloBody(hello.body); // re-derive the fields from the signed bytes themselves
  return { info, signed: concatBytes(hello.body, hello.signature) };
}

/** th = SHA-256(label || u16 len(A) || A || u16 len(B) || B), A < B. The same on both sides. */
export async function transcriptHash(signedHelloX: Uint8Array, signedHelloY: Uint8Array): Promise<Uint8Array> {
  requireBytes(signedHelloX, 'signed hello');
  requireBytes(signedHelloY, 'signed hello');
  const xFirst = compareBytes(signedHelloX, signedHelloY) <= 0;
  const [a, b] = xFirst ? [signedHelloX, signedHelloY] : [signedHelloY, signedHelloX];
  return sha256(TRANSCRIPT_LABEL_BYTES, u16be(a.length), a, u16be(b.length), b);
}

async function x25519(myPrivateKey: CryptoKey, peerPublicKey: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const shared = await cryptoCall('X25519', 'weak-key', async () => {
    const peer = await subtle().importKey('raw', copyBytes(peerPublicKey), { name: 'X25519' }, false, []);
    return new Uint8Array(
      await subtle().deriveBits({ name: 'X25519', public: peer }, myPrivateKey, X25519_SHARED_SECRET_BITS),
    );
  });
  // WebCrypto implementations may or may not refuse low-order points themselves; check either way.
  if (shared.length !== X25519_SHARED_SECRET_BITS / 8 || isAllZero(shared)) {
    shared.fill(0);
    throw new E2eeError('weak-key', 'X25519 produced the all-zero shared secret');
  }
  return shared;
}

async function directionSecret(sharedKey: CryptoKey, th: Uint8Array, senderEphemeral: Uint8Array): Promise<CryptoKey> {
  const info = concatBytes(SENDER_LABEL_BYTES, senderEphemeral);
  const bits = await hkdfSha256(sharedKey, th, info, DIRECTION_SECRET_LENGTH);
  try {
    return await importHkdfKey(bits);
  } finally {
    bits.fill(0);
  }
}

/**
 * Derives one epoch's secrets from our hello, the peer's hello and our ephemeral private key. Verifies the
 * peer's signature ('bad-signature'), requires both hellos to name the same suite ('unsupported-suite'), refuses
 * a peer ephemeral equal to ours ('reflected-hello') and a low-order peer key ('weak-key').
 */
export async function deriveEpoch(input: DeriveEpochInput): Promise<EpochSecrets> {
  if (typeof input !== 'object' || input === null) throw new E2eeError('invalid-argument', 'input is missing');
  requireKey(input.myPrivateKey, 'myPrivateKey', 'X25519', 'private');
  const mine = signedHello(input.myHello, 'my hello');
  const peer = signedHello(input.peerHello, 'peer hello');
  if (equalBytes(mine.info.ephemeralPublicKey, peer.info.ephemeralPublicKey)) {
    throw new E2eeError('reflected-hello', 'peer ephemeral key equals ours');
  }
  if (mine.info.suite !== peer.info.suite) {
    throw new E2eeError('unsupported-suite', `peer uses suite ${peer.info.suite}, we use ${mine.info.suite}`);
  }
  if (!(await verifyHelloSignature(input.peerHello))) {
    throw new E2eeError('bad-signature', 'peer hello signature does not verify');
  }

  const shared = await x25519(input.myPrivateKey, peer.info.ephemeralPublicKey);
  let sharedKey: CryptoKey;
  try {
    sharedKey = await importHkdfKey(shared);
  } finally {
    shared.fill(0);
  }
  const th = await transcriptHash(mine.signed, peer.signed);
  const [sendSecret, receiveSecret, code] = await Promise.all([
    directionSecret(sharedKey, th, mine.info.ephemeralPublicKey),
    directionSecret(sharedKey, th, peer.info.ephemeralPublicKey),
    securityCode(th),
  ]);
  return {
    transcriptHash: th,
    kidTag: ((th[0] ?? 0) << 8) | (th[1] ?? 0),
    sendSecret,
    receiveSecret,
    securityCode: code,
    peerIdentityPublicKey: peer.info.identityPublicKey,
    peerSessionId: peer.info.sessionId,
  };
}

const KID_LIMIT = 1n << 24n;

/** KID = (u16 BE of th[0..2)) << 8 | senderIndex. */
export function kidFor(transcriptHashBytes: Uint8Array, senderIndex: number): bigint {
  requireBytes(transcriptHashBytes, 'transcript hash', SHA256_LENGTH);
  if (!Number.isInteger(senderIndex) || senderIndex < 0 || senderIndex > MAX_SENDER_INDEX) {
    throw new E2eeError('invalid-argument', `sender index must be 0..${MAX_SENDER_INDEX}`);
  }
  const tag = ((transcriptHashBytes[0] ?? 0) << 8) | (transcriptHashBytes[1] ?? 0);
  return (BigInt(tag) << 8n) | BigInt(senderIndex);
}

/** True when `kid` fits CallSeal's 24-bit KID layout (use on KIDs read from the wire before the two below). */
export function isCallSealKid(kid: unknown): kid is bigint {
  return typeof kid === 'bigint' && kid >= 0n && kid < KID_LIMIT;
}

function requireKid(kid: unknown): asserts kid is bigint {
  if (!isCallSealKid(kid)) throw new E2eeError('invalid-argument', 'KID must be a bigint in 0..2^24-1');
}

export function senderIndexOf(kid: bigint): number {
  requireKid(kid);
  return Number(kid & 0xffn);
}

export function kidTagOf(kid: bigint): number {
  requireKid(kid);
  return Number(kid >> 8n);
}

/** The SFrame base_key of one sender: 32 bytes from a direction secret and the sender's KID. */
export async function senderBaseKey(directionSecretKey: CryptoKey, kid: bigint): Promise<Uint8Array> {
  requireKey(directionSecretKey, 'direction secret', 'HKDF', 'secret');
  if (typeof kid !== 'bigint') throw new E2eeError('invalid-argument', 'KID must be a bigint');
  const info = concatBytes(SFRAME_BASE_KEY_LABEL_BYTES, u64be(kid));
  return hkdfSha256(directionSecretKey, new Uint8Array(0), info, SFRAME_BASE_KEY_LENGTH);
}
