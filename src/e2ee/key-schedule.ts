/**
 * The key schedule of one pair (protocol.md §5): from the two commitments and ephemeral keys to the transcript hash,
 * the confirm keys, the media secrets, the SFrame base keys and the security code.
 *
 *   commitment_P = SHA-256("CallSeal-v2 commit" || suite || pid_P || pid_other || ephemeral_P)          §4
 *   shared       = X25519(my ephemeral private, peer ephemeral public)               §4.4: checked before and after
 *   lo, hi       = the two participants ordered by pid bytewise
 *   th           = SHA-256("CallSeal-v2 transcript" || suite || pid_lo || commitment_lo || ephemeral_lo
 *                                                             || pid_hi || commitment_hi || ephemeral_hi)
 *   confirm key of P = HKDF-SHA256(shared, salt th, info "CallSeal-v2 confirm" || pid_P)    16 bytes, AES-128-GCM
 *   media secret of P = HKDF-SHA256(shared, salt th, info "CallSeal-v2 media" || pid_P)     32 bytes
 *   KID          = sender index (0..255)                                                                 §5.3
 *   base key     = HKDF-SHA256(media secret of the sender, salt "", info "CallSeal-v2 sframe base key" || u64 KID)
 *
 * Why this shape: th binds both commitments and both fresh ephemerals, so the code and every key depend on values
 * neither side could choose after seeing the other's (§8.1); per-participant labels give each direction its own
 * confirm key and media secret, so a reflected CONFIRM or frame never opens. Secrets stay inside WebCrypto: the
 * shared secret and media secrets as non-extractable HKDF keys, the confirm keys as non-extractable AES-GCM keys;
 * only the per-KID base keys (what the SFrame core consumes) leave it as bytes.
 */
import { compareBytes, concatBytes, copyBytes, equalBytes, isAllZero } from '../shared/bytes';
import { requireBytes, u64be } from './bytes';
import {
  COMMITMENT_LENGTH,
  COMMIT_LABEL_BYTES,
  CONFIRM_KEY_BITS,
  CONFIRM_KEY_LABEL_BYTES,
  MAX_SENDER_INDEX,
  MEDIA_SECRET_LABEL_BYTES,
  MEDIA_SECRET_LENGTH,
  PID_LENGTH,
  SFRAME_BASE_KEY_LABEL_BYTES,
  SFRAME_BASE_KEY_LENGTH,
  TRANSCRIPT_LABEL_BYTES,
  X25519_PUBLIC_KEY_LENGTH,
  X25519_SHARED_SECRET_BITS,
} from './constants';
import { E2eeError } from './errors';
import { checkX25519PublicKey } from './key-validation';
import { securityCode } from './security-code';
import { cryptoCall, hkdfSha256, importHkdfKey, importX25519PublicKey, sha256, subtle } from './webcrypto';

export interface EphemeralKeyPair {
  /** X25519 private key, non-extractable, usable for deriveBits only. */
  privateKey: CryptoKey;
  /** Raw 32-byte X25519 public key, as carried in a REVEAL. */
  publicKey: Uint8Array;
}

/** One participant's contribution to a pair's transcript. */
interface TranscriptSide {
  pid: Uint8Array;
  commitment: Uint8Array;
  ephemeralPublicKey: Uint8Array;
}

export interface PairSecrets {
  /** th: identical on both sides unless someone is in the middle. */
  transcriptHash: Uint8Array;
  /** th[0..2) as u16 BE: the upper 16 bits of every KID of this pair. */
  kidTag: number;
  /** "ddddd ddddd ddddd ddddd" (§5.2). */
  securityCode: string;
  /** Non-extractable AES-128-GCM key that seals our CONFIRM. */
  myConfirmKey: CryptoKey;
  /** Non-extractable AES-128-GCM key that opens the peer's CONFIRM. */
  peerConfirmKey: CryptoKey;
  /** Non-extractable HKDF key: our media secret (the peer's receive secret). */
  sendSecret: CryptoKey;
  /** Non-extractable HKDF key: the peer's media secret. */
  receiveSecret: CryptoKey;
}

interface DerivePairInput {
  suite: number;
  /** Our ephemeral X25519 private key for this pair (from generateEphemeral). */
  myPrivateKey: CryptoKey;
  mine: TranscriptSide;
  peer: TranscriptSide;
}

/** A fresh X25519 key pair; the private half never leaves WebCrypto (§6.1: one per pair). */
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

function requireSuite(suite: unknown): asserts suite is number {
  if (!Number.isInteger(suite) || (suite as number) < 0 || (suite as number) > 0xff) {
    throw new E2eeError('invalid-argument', 'suite must be a u8');
  }
}

function requireSide(side: TranscriptSide, what: string): void {
  if (typeof side !== 'object' || side === null) throw new E2eeError('invalid-argument', `${what} is missing`);
  requireBytes(side.pid, `${what} pid`, PID_LENGTH);
  requireBytes(side.commitment, `${what} commitment`, COMMITMENT_LENGTH);
  requireBytes(side.ephemeralPublicKey, `${what} ephemeral key`, X25519_PUBLIC_KEY_LENGTH);
}

function requireKey(key: unknown, what: string, algorithm: string, type: KeyType): asserts key is CryptoKey {
  const k = key as Partial<CryptoKey> | null;
  if (typeof k !== 'object' || k === null || k.type !== type || k.algorithm?.name !== algorithm) {
    throw new E2eeError('invalid-argument', `${what} must be an ${algorithm} ${type} CryptoKey`);
  }
}

/** commitment = SHA-256("CallSeal-v2 commit" || suite || from pid || to pid || ephemeral public key) (§4). */
export async function commitmentOf(
  suite: number,
  fromPid: Uint8Array,
  toPid: Uint8Array,
  ephemeralPublicKey: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  requireSuite(suite);
  requireBytes(fromPid, 'from pid', PID_LENGTH);
  requireBytes(toPid, 'to pid', PID_LENGTH);
  requireBytes(ephemeralPublicKey, 'ephemeral public key', X25519_PUBLIC_KEY_LENGTH);
  return sha256(COMMIT_LABEL_BYTES, Uint8Array.of(suite), fromPid, toPid, ephemeralPublicKey);
}

/** th over both sides, ordered by pid, so both participants compute the same value (§5.1). */
export async function transcriptHash(suite: number, x: TranscriptSide, y: TranscriptSide): Promise<Uint8Array> {
  requireSuite(suite);
  requireSide(x, 'first side');
  requireSide(y, 'second side');
  const order = compareBytes(x.pid, y.pid);
  if (order === 0) throw new E2eeError('invalid-argument', 'the two sides of a pair have the same pid');
  const [lo, hi] = order < 0 ? [x, y] : [y, x];
  return sha256(
    TRANSCRIPT_LABEL_BYTES,
    Uint8Array.of(suite),
    lo.pid,
    lo.commitment,
    lo.ephemeralPublicKey,
    hi.pid,
    hi.commitment,
    hi.ephemeralPublicKey,
  );
}

async function x25519(myPrivateKey: CryptoKey, peerPublicKey: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const peer = await importX25519PublicKey(peerPublicKey);
  const shared = await cryptoCall(
    'X25519',
    'weak-key',
    async () =>
      new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: peer }, myPrivateKey, X25519_SHARED_SECRET_BITS)),
  );
  // §4.4: the shared secret must not be all zero (WebCrypto implementations may or may not refuse it themselves).
  if (shared.length !== X25519_SHARED_SECRET_BITS / 8 || isAllZero(shared)) {
    shared.fill(0);
    throw new E2eeError('weak-key', 'X25519 produced the all-zero shared secret');
  }
  return shared;
}

async function confirmKey(shared: CryptoKey, th: Uint8Array, pid: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  const params: HkdfParams = {
    name: 'HKDF',
    hash: 'SHA-256',
    salt: copyBytes(th),
    info: concatBytes(CONFIRM_KEY_LABEL_BYTES, pid),
  };
  return cryptoCall('HKDF confirm key', 'crypto-unavailable', () =>
    subtle().deriveKey(params, shared, { name: 'AES-GCM', length: CONFIRM_KEY_BITS }, false, [usage]),
  );
}

async function mediaSecret(shared: CryptoKey, th: Uint8Array, pid: Uint8Array): Promise<CryptoKey> {
  const bits = await hkdfSha256(shared, th, concatBytes(MEDIA_SECRET_LABEL_BYTES, pid), MEDIA_SECRET_LENGTH);
  try {
    return await importHkdfKey(bits);
  } finally {
    bits.fill(0);
  }
}

/**
 * Derives a pair's secrets once both ephemerals are known. Validates the peer's ephemeral key (§4.4, 'weak-key'),
 * refuses a peer side equal to ours ('invalid-argument': the caller must never get here with a reflection).
 * Does not check commitments: the pair does that before (pair.ts).
 */
export async function derivePairSecrets(input: DerivePairInput): Promise<PairSecrets> {
  if (typeof input !== 'object' || input === null) throw new E2eeError('invalid-argument', 'input is missing');
  requireSuite(input.suite);
  requireKey(input.myPrivateKey, 'myPrivateKey', 'X25519', 'private');
  requireSide(input.mine, 'my side');
  requireSide(input.peer, 'peer side');
  if (equalBytes(input.mine.pid, input.peer.pid)) throw new E2eeError('invalid-argument', 'peer pid equals ours');
  checkX25519PublicKey(input.peer.ephemeralPublicKey);
  if (equalBytes(input.mine.ephemeralPublicKey, input.peer.ephemeralPublicKey)) {
    throw new E2eeError('weak-key', 'peer ephemeral key equals ours');
  }
  const shared = await x25519(input.myPrivateKey, input.peer.ephemeralPublicKey);
  let sharedKey: CryptoKey;
  try {
    sharedKey = await importHkdfKey(shared, ['deriveBits', 'deriveKey']);
  } finally {
    shared.fill(0);
  }
  const th = await transcriptHash(input.suite, input.mine, input.peer);
  const [myConfirmKey, peerConfirmKey, sendSecret, receiveSecret, code] = await Promise.all([
    confirmKey(sharedKey, th, input.mine.pid, 'encrypt'),
    confirmKey(sharedKey, th, input.peer.pid, 'decrypt'),
    mediaSecret(sharedKey, th, input.mine.pid),
    mediaSecret(sharedKey, th, input.peer.pid),
    securityCode(th),
  ]);
  return {
    transcriptHash: th,
    kidTag: ((th[0] ?? 0) << 8) | (th[1] ?? 0),
    securityCode: code,
    myConfirmKey,
    peerConfirmKey,
    sendSecret,
    receiveSecret,
  };
}

const KID_LIMIT = BigInt(MAX_SENDER_INDEX) + 1n;

/**
 * KID = sender index (§5.3, version 3): 0..7 fit the SFrame config byte. The pair is found by trial decryption, so
 * the KID carries nothing of the transcript (version 2 put th[0..2) in its top 16 bits).
 */
export function kidFor(senderIndex: number): bigint {
  if (!Number.isInteger(senderIndex) || senderIndex < 0 || senderIndex > MAX_SENDER_INDEX) {
    throw new E2eeError('invalid-argument', `sender index must be 0..${MAX_SENDER_INDEX}`);
  }
  return BigInt(senderIndex);
}

/** True when `kid` is a CallSeal KID (use on KIDs read from the wire). */
export function isCallSealKid(kid: unknown): kid is bigint {
  return typeof kid === 'bigint' && kid >= 0n && kid < KID_LIMIT;
}

function requireKid(kid: unknown): asserts kid is bigint {
  if (!isCallSealKid(kid)) throw new E2eeError('invalid-argument', `KID must be a bigint in 0..${MAX_SENDER_INDEX}`);
}

/** The SFrame base_key of one sender: 32 bytes from the sender's media secret and its KID (§5.3). */
export async function senderBaseKey(mediaSecretKey: CryptoKey, kid: bigint): Promise<Uint8Array> {
  requireKey(mediaSecretKey, 'media secret', 'HKDF', 'secret');
  requireKid(kid);
  const info = concatBytes(SFRAME_BASE_KEY_LABEL_BYTES, u64be(kid));
  return hkdfSha256(mediaSecretKey, new Uint8Array(0), info, SFRAME_BASE_KEY_LENGTH);
}
