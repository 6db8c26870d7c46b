/**
 * What the identity key signs (protocol.md §4.3), in one place for the background (which signs) and the core
 * (which verifies a peer's CONFIRM): the label `"CallSeal-v2 signature\0"` followed by exactly the 40 bytes
 * `th || pid`. The label is used for nothing else, so a signature made here is never valid for another purpose
 * (version 1 signed hello bodies under "CallSeal-v1 hello signature\0"), and the fixed length leaves the requester
 * no room to choose what else the signature covers.
 */

export const SIGNATURE_LABEL = 'CallSeal-v2 signature\0';

/** th (SHA-256, 32 bytes) || pid (8 bytes). */
export const SIGNING_INPUT_LENGTH = 40;

/** The label as bytes (it is ASCII). A fresh array on each call, so no caller can alter another's copy. */
export function signatureLabelBytes(): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(SIGNATURE_LABEL.length);
  for (let i = 0; i < SIGNATURE_LABEL.length; i++) out[i] = SIGNATURE_LABEL.charCodeAt(i);
  return out;
}

/** The exact bytes the identity key signs for `input`; throws `RangeError` unless `input` is 40 bytes. */
export function signedMessage(input: Uint8Array): Uint8Array<ArrayBuffer> {
  if (input.length !== SIGNING_INPUT_LENGTH) {
    throw new RangeError(`signing input must be ${SIGNING_INPUT_LENGTH} bytes, not ${input.length}`);
  }
  const label = signatureLabelBytes();
  const out = new Uint8Array(label.length + input.length);
  out.set(label, 0);
  out.set(input, label.length);
  return out;
}
