/**
 * What the identity key signs, and how a signature is checked (protocol.md §4, §4.3, §4.4).
 *
 *   signature = Ed25519(identity, "CallSeal-v2 signature\0" || th || pid || extensions)
 *
 * The worker sends the background exactly the 40 bytes `th || pid` (`signingInput`); the background checks the
 * length, prepends the label and appends the CONFIRM extensions it makes itself (the user's display name, §4.5)
 * (`signatureMessage`), so it never signs anything but a version-2 transcript binding, and a signature made for one
 * purpose is never valid for another (version 1 signed under another label).
 * This module is small and has no AES or X25519 on purpose: the background imports it.
 *
 * Verification is strict (§4.4): the key and the signature's R and S are checked on the bytes before WebCrypto
 * verifies, so a lenient runtime cannot be tricked into accepting a small-order key's universal forgery.
 */
import { concatBytes, copyBytes } from '../shared/bytes';
import { requireBytes } from './bytes';
import { isSendableExtensions } from './display-name';
import {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  PID_LENGTH,
  SHA256_LENGTH,
  SIGNATURE_LABEL_BYTES,
  SIGNING_INPUT_LENGTH,
} from './constants';
import { E2eeError } from './errors';
import { checkEd25519PublicKey, checkEd25519Signature } from './key-validation';
import { cryptoCall, subtle } from './webcrypto';

/** th || pid: the 40 bytes the worker asks the background to sign (§4.3). */
export function signingInput(transcriptHash: Uint8Array, pid: Uint8Array): Uint8Array<ArrayBuffer> {
  requireBytes(transcriptHash, 'transcript hash', SHA256_LENGTH);
  requireBytes(pid, 'pid', PID_LENGTH);
  return concatBytes(transcriptHash, pid);
}

const NO_EXTENSIONS = new Uint8Array(0);

/**
 * label || input || extensions: the exact bytes the identity key signs. The background's gate: throws
 * 'invalid-argument' unless `input` is a Uint8Array of exactly 40 bytes and `extensions` are extensions a sender may
 * write (exact framing, at most 128 bytes, a valid name; §4.5). Works on private copies, so the caller signs exactly
 * what was checked.
 */
export function signatureMessage(input: Uint8Array, extensions: Uint8Array = NO_EXTENSIONS): Uint8Array<ArrayBuffer> {
  requireBytes(input, 'signing input', SIGNING_INPUT_LENGTH);
  if (!isSendableExtensions(extensions)) throw new E2eeError('invalid-argument', 'extensions a sender may not write');
  return concatBytes(SIGNATURE_LABEL_BYTES, copyBytes(input), copyBytes(extensions));
}

/** What a received CONFIRM's signature covers: label || th || pid || the extension bytes exactly as received. */
function receivedSignatureMessage(input: Uint8Array, extensions: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(SIGNATURE_LABEL_BYTES, copyBytes(input), copyBytes(extensions));
}

/**
 * Verifies `signature` by `identityPublicKey` over label || th || pid || extensions (the bytes as received; their
 * contents are judged elsewhere), with the §4.4 checks first. Throws 'weak-key' (key or R), 'bad-signature' (S not
 * canonical, or the signature does not verify) or 'crypto-unavailable'.
 */
export async function verifyIdentitySignature(
  identityPublicKey: Uint8Array,
  signature: Uint8Array,
  transcriptHash: Uint8Array,
  pid: Uint8Array,
  extensions: Uint8Array = NO_EXTENSIONS,
): Promise<void> {
  requireBytes(identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
  requireBytes(signature, 'signature', ED25519_SIGNATURE_LENGTH);
  requireBytes(extensions, 'extensions');
  checkEd25519PublicKey(identityPublicKey);
  checkEd25519Signature(signature);
  const message = receivedSignatureMessage(signingInput(transcriptHash, pid), extensions);
  const valid = await cryptoCall('Ed25519 verify', 'bad-signature', async () => {
    const key = await subtle().importKey('raw', copyBytes(identityPublicKey), { name: 'Ed25519' }, false, ['verify']);
    return subtle().verify({ name: 'Ed25519' }, key, copyBytes(signature), message);
  });
  if (!valid) throw new E2eeError('bad-signature', 'signature does not verify');
}
