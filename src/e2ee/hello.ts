/**
 * The hello codec: the one message of CallSeal's in-band key agreement.
 *
 * Why it looks like this: the web app is not ours, so the two CallSeal instances can only talk inside the media
 * frames, where the call infrastructure (the adversary) can read, alter, drop and replay everything. Each side
 * therefore announces a fresh X25519 ephemeral key in a hello signed by its long-term Ed25519 identity key. The
 * identity private key lives non-extractable in the extension's background, which signs only after
 * `checkHelloBodyForSigning` has accepted the exact bytes: the page side can never obtain a signature over
 * anything but a well-formed version-1 hello body carrying the background's own identity key.
 *
 * Wire format, version 1 (179 bytes):
 *
 *   0        1        2        3                  19                               51                          83
 *   +--------+--------+--------+------------------+--------------------------------+---------------------------+
 *   |version | suite  | flags  | sessionId (16)   | ephemeral X25519 public (32)   | identity Ed25519 pub (32) |
 *   |  = 1   | (u8)   |  = 0   | random per page  | raw                            | raw                       |
 *   +--------+--------+--------+------------------+--------------------------------+---------------------------+
 *   \____________________________ body: 83 bytes, signed ___________________________________________________/
 *
 *   83                                                            147                                        179
 *   +-------------------------------------------------------------+------------------------------------------+
 *   | signature (64) = Ed25519(identity, HELLO_SIGNATURE_LABEL || body) | ack (32), NOT signed              |
 *   +-------------------------------------------------------------+------------------------------------------+
 *
 * ack = SHA-256(body || signature) of the peer hello this sender last received, or 32 zero bytes. The ack is
 * unsigned on purpose: it changes whenever we hear from the peer, and we sign once per page session. It is
 * only ever used to decide when to stop repeating hellos, never for key material.
 */
import { copyBytes, concatBytes, equalBytes, requireBytes } from './bytes';
import {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  DEFAULT_SFRAME_SUITE,
  HELLO_ACK_LENGTH,
  HELLO_BODY_LENGTH,
  HELLO_BODY_OFFSETS as O,
  HELLO_LENGTH,
  HELLO_SIGNATURE_LABEL_BYTES,
  HELLO_VERSION,
  KNOWN_SFRAME_SUITES,
  SESSION_ID_LENGTH,
  SIGNED_HELLO_LENGTH,
  X25519_PUBLIC_KEY_LENGTH,
} from './constants';
import { E2eeError } from './errors';
import { cryptoCall, sha256, subtle } from './webcrypto';

/** What goes into a hello body. Version (1) and flags (0) are fixed by this implementation. */
export interface HelloBodyFields {
  /** SFrame cipher suite id; DEFAULT_SFRAME_SUITE (4) when omitted. */
  suite?: number;
  sessionId: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  identityPublicKey: Uint8Array;
}

/** The fields of a validated hello body. All byte arrays are fresh copies. */
export interface HelloBodyInfo {
  version: number;
  suite: number;
  sessionId: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  identityPublicKey: Uint8Array;
}

/** A decoded, structurally valid hello (its signature is NOT checked by decoding). */
export interface DecodedHello extends HelloBodyInfo {
  body: Uint8Array;
  signature: Uint8Array;
  ack: Uint8Array;
}

/** The ack a sender carries before it has received any peer hello (a fresh array each call). */
export function zeroAck(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(HELLO_ACK_LENGTH);
}

function requireSuite(suite: unknown): asserts suite is number {
  if (typeof suite !== 'number' || !KNOWN_SFRAME_SUITES.includes(suite)) {
    throw new E2eeError('unsupported-suite', `SFrame cipher suite ${String(suite)} is not supported`);
  }
}

/** Builds the 83-byte signed part of a hello. */
export function encodeHelloBody(fields: HelloBodyFields): Uint8Array<ArrayBuffer> {
  if (typeof fields !== 'object' || fields === null) {
    throw new E2eeError('invalid-argument', 'hello body fields must be an object');
  }
  const suite = fields.suite ?? DEFAULT_SFRAME_SUITE;
  requireSuite(suite);
  requireBytes(fields.sessionId, 'sessionId', SESSION_ID_LENGTH);
  requireBytes(fields.ephemeralPublicKey, 'ephemeral public key', X25519_PUBLIC_KEY_LENGTH);
  requireBytes(fields.identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
  const body = new Uint8Array(HELLO_BODY_LENGTH);
  body[O.version] = HELLO_VERSION;
  body[O.suite] = suite;
  body[O.flags] = 0;
  body.set(fields.sessionId, O.sessionId);
  body.set(fields.ephemeralPublicKey, O.ephemeralPublicKey);
  body.set(fields.identityPublicKey, O.identityPublicKey);
  return body;
}

/**
 * Validates and splits a hello body. The version is checked before the length, so a future version with a
 * different layout is reported as 'unsupported-version' rather than 'malformed-hello'.
 */
export function decodeHelloBody(body: Uint8Array): HelloBodyInfo {
  requireBytes(body, 'hello body');
  if (body.length === 0) throw new E2eeError('malformed-hello', 'hello body is empty');
  const version = body[O.version] ?? 0;
  if (version !== HELLO_VERSION) throw new E2eeError('unsupported-version', `hello version ${version}`);
  if (body.length !== HELLO_BODY_LENGTH) {
    throw new E2eeError('malformed-hello', `hello body must be ${HELLO_BODY_LENGTH} bytes, got ${body.length}`);
  }
  if (body[O.flags] !== 0) throw new E2eeError('malformed-hello', 'reserved hello flags are set');
  const suite = body[O.suite] ?? 0;
  requireSuite(suite);
  return {
    version,
    suite,
    sessionId: body.slice(O.sessionId, O.sessionId + SESSION_ID_LENGTH),
    ephemeralPublicKey: body.slice(O.ephemeralPublicKey, O.ephemeralPublicKey + X25519_PUBLIC_KEY_LENGTH),
    identityPublicKey: body.slice(O.identityPublicKey, O.identityPublicKey + ED25519_PUBLIC_KEY_LENGTH),
  };
}

/** Validates and splits a 179-byte hello. Does not verify the signature (see verifyHelloSignature). */
export function decodeHello(bytes: Uint8Array): DecodedHello {
  requireBytes(bytes, 'hello');
  if (bytes.length === 0) throw new E2eeError('malformed-hello', 'hello is empty');
  if (bytes[0] !== HELLO_VERSION) throw new E2eeError('unsupported-version', `hello version ${bytes[0] ?? 0}`);
  if (bytes.length !== HELLO_LENGTH) {
    throw new E2eeError('malformed-hello', `hello must be ${HELLO_LENGTH} bytes, got ${bytes.length}`);
  }
  const body = bytes.slice(0, HELLO_BODY_LENGTH);
  return {
    ...decodeHelloBody(body),
    body,
    signature: bytes.slice(HELLO_BODY_LENGTH, SIGNED_HELLO_LENGTH),
    ack: bytes.slice(SIGNED_HELLO_LENGTH, HELLO_LENGTH),
  };
}

/** body || signature || ack, after checking each part. */
export function encodeHello(body: Uint8Array, signature: Uint8Array, ack: Uint8Array): Uint8Array<ArrayBuffer> {
  decodeHelloBody(body);
  requireBytes(signature, 'hello signature', ED25519_SIGNATURE_LENGTH, 'malformed-hello');
  requireBytes(ack, 'hello ack', HELLO_ACK_LENGTH, 'malformed-hello');
  return concatBytes(body, signature, ack);
}

/** HELLO_SIGNATURE_LABEL || body: the exact bytes the identity key signs. */
export function helloSigningInput(body: Uint8Array): Uint8Array<ArrayBuffer> {
  decodeHelloBody(body);
  return concatBytes(HELLO_SIGNATURE_LABEL_BYTES, body);
}

/**
 * The background's gate before it signs. Accepts only an exactly well-formed version-1 hello body whose
 * identity key equals the background's own (`expectedIdentityPublicKey`); throws an E2eeError otherwise.
 * Returns the signing input (label || a private copy of body), so the background signs exactly what it checked.
 */
export function checkHelloBodyForSigning(
  body: Uint8Array,
  expectedIdentityPublicKey: Uint8Array,
): Uint8Array<ArrayBuffer> {
  requireBytes(expectedIdentityPublicKey, 'expected identity public key', ED25519_PUBLIC_KEY_LENGTH);
  requireBytes(body, 'hello body');
  const snapshot = copyBytes(body);
  const info = decodeHelloBody(snapshot);
  if (!equalBytes(info.identityPublicKey, expectedIdentityPublicKey)) {
    throw new E2eeError('identity-mismatch', 'hello body carries another identity key');
  }
  return concatBytes(HELLO_SIGNATURE_LABEL_BYTES, snapshot);
}

/**
 * Verifies the Ed25519 signature of a hello with the identity key inside its own body. Throws for a
 * structurally invalid hello or a runtime without Ed25519; returns false for any signature that does not verify
 * (including an identity key WebCrypto refuses to import).
 */
export async function verifyHelloSignature(hello: Pick<DecodedHello, 'body' | 'signature'>): Promise<boolean> {
  if (typeof hello !== 'object' || hello === null) {
    throw new E2eeError('invalid-argument', 'hello must be an object');
  }
  requireBytes(hello.signature, 'hello signature', ED25519_SIGNATURE_LENGTH, 'malformed-hello');
  requireBytes(hello.body, 'hello body');
  const body = copyBytes(hello.body);
  const { identityPublicKey } = decodeHelloBody(body);
  const signature = copyBytes(hello.signature);
  const message = concatBytes(HELLO_SIGNATURE_LABEL_BYTES, body);
  try {
    return await cryptoCall('Ed25519 verify', 'bad-signature', async () => {
      const key = await subtle().importKey('raw', copyBytes(identityPublicKey), { name: 'Ed25519' }, false, [
        'verify',
      ]);
      return subtle().verify({ name: 'Ed25519' }, key, signature, message);
    });
  } catch (error) {
    if (error instanceof E2eeError && error.code === 'bad-signature') return false;
    throw error;
  }
}

/** SHA-256(body || signature): the value a peer puts in its ack once it has received this hello. */
export async function helloDigest(body: Uint8Array, signature: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  decodeHelloBody(body);
  requireBytes(signature, 'hello signature', ED25519_SIGNATURE_LENGTH, 'malformed-hello');
  return sha256(body, signature);
}
