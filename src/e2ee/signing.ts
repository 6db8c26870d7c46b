/**
 * What the identity key signs, and how a signature is checked (protocol.md §4, §4.3, §4.4).
 *
 *   signature = Ed25519(identity, "CallSeal-v2 signature\0" || th || pid)
 *
 * The worker sends the background exactly the 40 bytes `th || pid` (`signingInput`); the background checks the
 * length and prepends the label (`signatureMessage`), so it never signs anything but a version-2 transcript
 * binding, and a signature made for one purpose is never valid for another (version 1 signed under another label).
 * This module is small and has no AES or X25519 on purpose: the background imports it.
 *
 * Verification is strict (§4.4): the key and the signature's R and S are checked on the bytes before WebCrypto
 * verifies, so a lenient runtime cannot be tricked into accepting a small-order key's universal forgery.
 */
import { concatBytes, copyBytes, requireBytes } from './bytes';
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

/**
 * label || input: the exact bytes the identity key signs. The background's gate: throws 'invalid-argument' unless
 * `input` is a Uint8Array of exactly 40 bytes. Works on a private copy, so the caller signs exactly what was checked.
 */
export function signatureMessage(input: Uint8Array): Uint8Array<ArrayBuffer> {
  requireBytes(input, 'signing input', SIGNING_INPUT_LENGTH);
  return concatBytes(SIGNATURE_LABEL_BYTES, copyBytes(input));
}

/**
 * Verifies `signature` by `identityPublicKey` over label || th || pid, with the §4.4 checks first.
 * Throws 'weak-key' (key or R), 'bad-signature' (S not canonical, or the signature does not verify) or
 * 'crypto-unavailable'.
 */
export async function verifyIdentitySignature(
  identityPublicKey: Uint8Array,
  signature: Uint8Array,
  transcriptHash: Uint8Array,
  pid: Uint8Array,
): Promise<void> {
  requireBytes(identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
  requireBytes(signature, 'signature', ED25519_SIGNATURE_LENGTH);
  checkEd25519PublicKey(identityPublicKey);
  checkEd25519Signature(signature);
  const message = signatureMessage(signingInput(transcriptHash, pid));
  const valid = await cryptoCall('Ed25519 verify', 'bad-signature', async () => {
    const key = await subtle().importKey('raw', copyBytes(identityPublicKey), { name: 'Ed25519' }, false, ['verify']);
    return subtle().verify({ name: 'Ed25519' }, key, copyBytes(signature), message);
  });
  if (!valid) throw new E2eeError('bad-signature', 'signature does not verify');
}
