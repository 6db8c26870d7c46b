/**
 * The CONFIRM record's contents (protocol.md §4, §6.1, §8.2, §8.3).
 *
 *   CONFIRM body  = to pid | AES-128-GCM(confirm key of the sender, nonce 0, AAD, plaintext)
 *   AAD           = 0x02 || from pid || to pid
 *   plaintext     = identity Ed25519 public key (32) | signature (64) | extensions
 *   extension     = type u8 | length u8 | value       unknown types ignored; 0x01 the display name (display-name.ts)
 *   signature     = over label || th || from pid || extensions (signing.ts): the identity vouches for the name too
 *
 * Why: the CONFIRM is SIGMA-I's "sign and MAC": the signature binds the identity to this very transcript, and the
 * AEAD under a key only the holder of the committed ephemeral can derive both proves that possession and hides the
 * identity from anyone who did not take part (a passive SFU). Each confirm key seals exactly one plaintext, once
 * (the CONFIRM is made once and then repeated byte for byte), so the zero nonce is never reused (§5.1).
 */
import { concatBytes, equalBytes } from '../shared/bytes';
import { requireBytes } from './bytes';
import {
  CONFIRM_AAD_VERSION,
  CONFIRM_PLAINTEXT_MIN_LENGTH,
  CONFIRM_SEALED_MIN_LENGTH,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  PID_LENGTH,
} from './constants';
import { peerDisplayName, readExtensions } from './display-name';
import { E2eeError } from './errors';
import { verifyIdentitySignature } from './signing';
import { peerGroupVersion } from './group-keys';
import { aesGcm } from './webcrypto';

const ZERO_NONCE = new Uint8Array(12);

interface ConfirmContents {
  identityPublicKey: Uint8Array;
  signature: Uint8Array;
  /** The extension bytes after the signature, as they are (empty: none). Signed with the transcript (§4.5). */
  extensions?: Uint8Array;
}

/** A checked peer CONFIRM: its identity, and its display name when it carried a valid one (§4.5). */
interface PeerConfirm {
  identityPublicKey: Uint8Array;
  /** The peer's claimed name, or null (none, or dropped). */
  displayName: string | null;
  /** A name was there but broke §4.5, and was dropped. */
  nameDropped: boolean;
  /** The group protocol its signed extension 0x02 announces (§11.3), or null: a 1:1-only peer. */
  groupVersion: number | null;
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

/** Seals our CONFIRM under our confirm key: identity | signature | the extensions the background signed with it. */
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
  const extensions = contents.extensions ?? new Uint8Array(0);
  requireBytes(extensions, 'extensions');
  readExtensions(extensions); // exact framing, or a bug on our side (the background's gate checked them)
  const plaintext = concatBytes(contents.identityPublicKey, contents.signature, extensions);
  return aesGcm('encrypt', key, ZERO_NONCE, aad(fromPid, toPid), plaintext, 'crypto-unavailable');
}

/** Splits a CONFIRM plaintext; the extensions must frame exactly (their contents are judged after the signature). */
function parsePlaintext(plaintext: Uint8Array): ConfirmContents {
  if (plaintext.length < CONFIRM_PLAINTEXT_MIN_LENGTH) throw new E2eeError('bad-confirm', 'CONFIRM plaintext too short');
  const extensions = plaintext.slice(CONFIRM_PLAINTEXT_MIN_LENGTH);
  readExtensions(extensions);
  return {
    identityPublicKey: plaintext.slice(0, ED25519_PUBLIC_KEY_LENGTH),
    signature: plaintext.slice(ED25519_PUBLIC_KEY_LENGTH, CONFIRM_PLAINTEXT_MIN_LENGTH),
    extensions,
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
 * The checks that make a peer's CONFIRM count (§4.4, §4.5, §6.1): its identity is not ours ('own-identity'), and its
 * signature over th || the peer's pid || the extensions verifies strictly ('weak-key', 'bad-signature'). Then, and
 * only then, its display name is read: a name that breaks §4.5 is dropped, and the CONFIRM still counts.
 */
export async function checkPeerConfirm(
  contents: ConfirmContents,
  transcriptHash: Uint8Array,
  peerPid: Uint8Array,
  ownIdentityPublicKey: Uint8Array,
): Promise<PeerConfirm> {
  requireBytes(ownIdentityPublicKey, 'own identity public key', ED25519_PUBLIC_KEY_LENGTH);
  if (equalBytes(contents.identityPublicKey, ownIdentityPublicKey)) {
    throw new E2eeError('own-identity', 'the peer presents our own identity key');
  }
  const extensions = contents.extensions ?? new Uint8Array(0);
  await verifyIdentitySignature(contents.identityPublicKey, contents.signature, transcriptHash, peerPid, extensions);
  const { name, dropped } = peerDisplayName(extensions);
  return {
    identityPublicKey: contents.identityPublicKey,
    displayName: name,
    nameDropped: dropped,
    groupVersion: peerGroupVersion(extensions),
  };
}
