/**
 * The signed envelope (docs/admin.md §3.2): `{ format, keyId?, payload: base64(document bytes), signature }`. The
 * signature covers the exact payload bytes, so there is no canonical JSON to agree on, and the payload is parsed
 * only after it has verified: nothing unauthenticated is interpreted beyond the envelope's four fields.
 */
import { requireWellFormed, TenantPolicyError } from './errors';
import { parseTenantPolicyDocument, type TenantPolicyDocument } from './document';
import type { PinnedPolicyKey } from './policy-key';
import { decodeStrictBase64, decodeStrictUtf8, isJsonObject, parseStrictJson, requireOnlyKeys } from './strict-json';

const ENVELOPE_FORMAT = 'callseal-signed-policy';
/** Larger responses are refused (`malformed`); a document for tens of thousands of users fits. */
export const MAX_ENVELOPE_BYTES = 2 * 1024 * 1024;
const KEY_ID = /^[0-9a-f]{16}$/;

export interface VerifiedDocument {
  document: TenantPolicyDocument;
  /** The exact signed bytes: what "the same document" means for an equal serial. */
  payload: Uint8Array;
  /** The envelope as received, for the store (verified again whenever it is loaded). */
  envelope: Uint8Array;
}

/** Checks the envelope's shape and signature, then the document; throws TenantPolicyError. */
export async function openEnvelope(bytes: Uint8Array, key: PinnedPolicyKey): Promise<VerifiedDocument> {
  requireWellFormed(bytes.length <= MAX_ENVELOPE_BYTES, `the response is larger than ${MAX_ENVELOPE_BYTES} bytes`);
  const envelope = parseStrictJson(decodeStrictUtf8(bytes, 'the envelope'), 'the envelope');
  requireWellFormed(isJsonObject(envelope), 'the envelope is not an object');
  requireOnlyKeys(envelope, ['format', 'keyId', 'payload', 'signature'], 'the envelope');
  requireWellFormed(envelope.format === ENVELOPE_FORMAT, `the envelope's format is not ${JSON.stringify(ENVELOPE_FORMAT)}`);
  const { keyId, payload: payloadText, signature: signatureText } = envelope;
  requireWellFormed(keyId === undefined || (typeof keyId === 'string' && KEY_ID.test(keyId)), 'keyId is not 16 hex digits');
  requireWellFormed(typeof payloadText === 'string' && typeof signatureText === 'string', 'payload or signature missing');
  const payload = decodeStrictBase64(payloadText, 'the payload');
  const signature = decodeStrictBase64(signatureText, 'the signature');

  if (keyId !== undefined && keyId !== key.keyId) {
    throw new TenantPolicyError('bad-signature', `signed with key ${keyId}, not the pinned key ${key.keyId}`);
  }
  if (!(await key.verify(payload, signature))) {
    throw new TenantPolicyError('bad-signature', `the signature does not verify with the pinned key ${key.keyId}`);
  }
  const document = parseTenantPolicyDocument(parseStrictJson(decodeStrictUtf8(payload, 'the document'), 'the document'));
  return { document, payload, envelope: Uint8Array.from(bytes) };
}
