/**
 * The CONFIRM record's contents (protocol.md §4, §6.1, §8.2, §8.3).
 *
 *   CONFIRM body  = to pid | AES-128-GCM(confirm key of the sender, nonce 0, AAD, plaintext)
 *   AAD           = 0x02 || from pid || to pid
 *   plaintext     = identity Ed25519 public key (32) | signature (64) | extension*
 *   extension     = type u8 | length u8 | value                  unknown types ignored; 0x01 reserved (display name)
 *
 * Why: the CONFIRM is SIGMA-I's "sign and MAC": the signature binds the identity to this very transcript, and the
 * AEAD under a key only the holder of the committed ephemeral can derive both proves that possession and hides the
 * identity from anyone who did not take part (a passive SFU). Each confirm key seals exactly one plaintext, once
 * (the CONFIRM is made once and then repeated byte for byte), so the zero nonce is never reused (§5.1).
 */
import { concatBytes, equalBytes, requireBytes } from './bytes';
import {
  CONFIRM_AAD_VERSION,
  CONFIRM_PLAINTEXT_MIN_LENGTH,
  CONFIRM_SEALED_MIN_LENGTH,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  PID_LENGTH,
} from './constants';
import { E2eeError } from './errors';
import { verifyIdentitySignature } from './signing';
import { aesGcm } from './webcrypto';

const ZERO_NONCE = new Uint8Array(12);

export interface ConfirmContents {
  identityPublicKey: Uint8Array;
  signature: Uint8Array;
}

function aad(fromPid: Uint8Array, toPid: Uint8Array): Uint8Array {
  requireBytes(fromPid, 'from pid', PID_LENGTH);
  requireBytes(toPid, 'to pid', PID_LENGTH);
  return concatBytes(Uint8Array.of(CONFIRM_AAD_VERSION), fromPid, toPid);
}

function requireAesKey(key: unknown): asserts key is CryptoKey {
  const k = key as Partial<CryptoKey> | null;
  if (typeof k !== 'object' || k === null || k.algorithm?.name !== 'AES-GCM') {
    throw new E2eeError('invalid-argument', 'confirm key must be an AES-GCM CryptoKey');
  }
}

/** Seals our CONFIRM (no extensions) under our confirm key. */
export async function sealConfirm(
  key: CryptoKey,
  fromPid: Uint8Array,
  toPid: Uint8Array,
  contents: ConfirmContents,
): Promise<Uint8Array> {
  requireAesKey(key);
  if (typeof contents !== 'object' || contents === null) throw new E2eeError('invalid-argument', 'contents missing');
  requireBytes(contents.identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
  requireBytes(contents.signature, 'signature', ED25519_SIGNATURE_LENGTH);
  const plaintext = concatBytes(contents.identityPublicKey, contents.signature);
  return aesGcm('encrypt', key, ZERO_NONCE, aad(fromPid, toPid), plaintext, 'crypto-unavailable');
}

/** Splits a CONFIRM plaintext; the extensions must frame exactly (their contents are ignored). */
function parsePlaintext(plaintext: Uint8Array): ConfirmContents {
  if (plaintext.length < CONFIRM_PLAINTEXT_MIN_LENGTH) throw new E2eeError('bad-confirm', 'CONFIRM plaintext too short');
  let offset = CONFIRM_PLAINTEXT_MIN_LENGTH;
  while (offset < plaintext.length) {
    if (plaintext.length - offset < 2) throw new E2eeError('bad-confirm', 'truncated CONFIRM extension');
    const length = plaintext[offset + 1] ?? 0;
    if (length > plaintext.length - offset - 2) throw new E2eeError('bad-confirm', 'CONFIRM extension overruns');
    offset += 2 + length;
  }
  return {
    identityPublicKey: plaintext.slice(0, ED25519_PUBLIC_KEY_LENGTH),
    signature: plaintext.slice(ED25519_PUBLIC_KEY_LENGTH, CONFIRM_PLAINTEXT_MIN_LENGTH),
  };
}

/** Opens the peer's CONFIRM with the peer's confirm key. Throws 'bad-confirm' unless it decrypts and parses. */
export async function openConfirm(
  key: CryptoKey,
  fromPid: Uint8Array,
  toPid: Uint8Array,
  sealed: Uint8Array,
): Promise<ConfirmContents> {
  requireAesKey(key);
  requireBytes(sealed, 'sealed confirm');
  if (sealed.length < CONFIRM_SEALED_MIN_LENGTH) throw new E2eeError('bad-confirm', 'CONFIRM too short');
  const plaintext = await aesGcm('decrypt', key, ZERO_NONCE, aad(fromPid, toPid), sealed, 'bad-confirm');
  return parsePlaintext(plaintext);
}

/**
 * The checks that make a peer's CONFIRM count (§4.4, §6.1): its identity is not ours ('own-identity'), and its
 * signature over th || the peer's pid verifies strictly ('weak-key', 'bad-signature').
 */
export async function checkPeerConfirm(
  contents: ConfirmContents,
  transcriptHash: Uint8Array,
  peerPid: Uint8Array,
  ownIdentityPublicKey: Uint8Array,
): Promise<void> {
  requireBytes(ownIdentityPublicKey, 'own identity public key', ED25519_PUBLIC_KEY_LENGTH);
  if (equalBytes(contents.identityPublicKey, ownIdentityPublicKey)) {
    throw new E2eeError('own-identity', 'the peer presents our own identity key');
  }
  await verifyIdentitySignature(contents.identityPublicKey, contents.signature, transcriptHash, peerPid);
}
