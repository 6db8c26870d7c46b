/**
 * Keys and signatures for the CLI, with WebCrypto (Ed25519) only: key generation, the PKCS#8 PEM private key
 * file, and the signed envelope of docs/admin.md §3.2 — Ed25519 over "CallSeal-tenant-policy-v1\0" || the exact
 * payload bytes. Private key bytes are written to the key file and nowhere else (never printed).
 */
import { CliError } from './errors.mjs';

export const ENVELOPE_FORMAT = 'callseal-signed-policy';
export const SIGNATURE_LABEL = new TextEncoder().encode('CallSeal-tenant-policy-v1\0');

/** @param {Uint8Array} bytes */
export const toBase64 = (bytes) => Buffer.from(bytes).toString('base64');

/** Canonical standard base64 only. @param {string} text @param {string} what */
export function fromBase64(text, what) {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw new CliError(`${what} is not canonical base64`);
  return new Uint8Array(bytes);
}

/** First 8 bytes of SHA-256 over the raw public key, hex (as the extension computes it). @param {Uint8Array<ArrayBuffer>} raw */
export async function keyIdOf(raw) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
  return Buffer.from(digest.subarray(0, 8)).toString('hex');
}

/** @param {Uint8Array} der */
const toPem = (der) => `-----BEGIN PRIVATE KEY-----\n${toBase64(der).replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;

export async function generateKeyPair() {
  const pair = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKeyPem: toPem(pkcs8), publicKey: toBase64(raw), keyId: await keyIdOf(raw) };
}

/**
 * The signing key from a PKCS#8 PEM file's text, with its public half.
 * @param {string} pem
 * @returns {Promise<{ privateKey: CryptoKey, publicRaw: Uint8Array, keyId: string }>}
 */
export async function loadSigningKey(pem) {
  const match = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(pem);
  if (!match) throw new CliError('the signing key file is not a PKCS#8 PEM private key');
  const der = Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64');
  let privateKey;
  try {
    privateKey = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, true, ['sign']);
  } catch {
    throw new CliError('the signing key file does not hold an Ed25519 private key');
  }
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  const publicRaw = new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
  return { privateKey, publicRaw, keyId: await keyIdOf(publicRaw) };
}

/**
 * @param {Uint8Array} payload the exact document bytes
 * @param {{ privateKey: CryptoKey, keyId: string }} key
 * @returns {Promise<string>} the envelope, as served
 */
export async function signEnvelope(payload, key) {
  const message = Buffer.concat([SIGNATURE_LABEL, payload]);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, message));
  const envelope = { format: ENVELOPE_FORMAT, keyId: key.keyId, payload: toBase64(payload), signature: toBase64(signature) };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/**
 * Checks an envelope against a public key (base64 raw) and returns the document it carries.
 * @param {string} text
 * @param {string} publicKeyBase64
 */
export async function openEnvelope(text, publicKeyBase64) {
  let envelope;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw new CliError('the envelope is not JSON');
  }
  if (envelope?.format !== ENVELOPE_FORMAT || typeof envelope.payload !== 'string' || typeof envelope.signature !== 'string') {
    throw new CliError(`not a ${ENVELOPE_FORMAT} envelope`);
  }
  const raw = fromBase64(publicKeyBase64.trim(), 'the public key');
  const keyId = await keyIdOf(raw);
  if (envelope.keyId !== undefined && envelope.keyId !== keyId) throw new CliError(`signed with key ${envelope.keyId}, not ${keyId}`);
  const payload = fromBase64(envelope.payload, 'the payload');
  const publicKey = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
  const message = Buffer.concat([SIGNATURE_LABEL, payload]);
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, fromBase64(envelope.signature, 'the signature'), message);
  if (!ok) throw new CliError(`the signature does not verify with key ${keyId}`);
  return { document: JSON.parse(new TextDecoder().decode(payload)), keyId };
}
