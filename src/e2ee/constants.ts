/**
 * Protocol constants of CallSeal's in-band key agreement, version 1.
 *
 * Why one place: every label below is a domain-separation string. Each cryptographic use of a key or hash gets
 * its own ASCII label so that a value computed for one purpose can never be replayed as another (a hello
 * signature is not a transcript hash is not a security code). Changing any of these is a protocol version bump.
 * Sizes are here too because the codecs, the key schedule and the tests must agree on them exactly.
 */
import { asciiBytes } from './bytes';

// ---- Labels (ASCII) --------------------------------------------------------------------------------------

/** Prefix of what the background's Ed25519 identity key signs: label || hello body. Note the trailing NUL. */
export const HELLO_SIGNATURE_LABEL = 'CallSeal-v1 hello signature\0';
/** Prefix of the transcript whose SHA-256 is the epoch's transcript hash. */
export const TRANSCRIPT_LABEL = 'CallSeal-v1 transcript';
/** HKDF info prefix of a direction secret, followed by that direction's sender ephemeral public key. */
export const SENDER_LABEL = 'CallSeal-v1 sender';
/** HKDF info prefix of an SFrame base key, followed by the KID as u64 big-endian. */
export const SFRAME_BASE_KEY_LABEL = 'CallSeal-v1 sframe base key';
/** SHA-256 prefix of the short authentication string the two people compare. */
export const SECURITY_CODE_LABEL = 'CallSeal-v1 security code';

export const HELLO_SIGNATURE_LABEL_BYTES = asciiBytes(HELLO_SIGNATURE_LABEL);
export const TRANSCRIPT_LABEL_BYTES = asciiBytes(TRANSCRIPT_LABEL);
export const SENDER_LABEL_BYTES = asciiBytes(SENDER_LABEL);
export const SFRAME_BASE_KEY_LABEL_BYTES = asciiBytes(SFRAME_BASE_KEY_LABEL);
export const SECURITY_CODE_LABEL_BYTES = asciiBytes(SECURITY_CODE_LABEL);

// ---- Hello -----------------------------------------------------------------------------------------------

export const HELLO_VERSION = 1;
/** SFrame cipher suite AES_128_GCM_SHA256_128 (RFC 9605, section 4.5). */
export const DEFAULT_SFRAME_SUITE = 4;
/** Cipher suites registered by RFC 9605 (1..5). A hello naming anything else is 'unsupported-suite'. */
export const KNOWN_SFRAME_SUITES: readonly number[] = [1, 2, 3, 4, 5];

export const SESSION_ID_LENGTH = 16;
export const X25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const SHA256_LENGTH = 32;
export const HELLO_ACK_LENGTH = SHA256_LENGTH;

/** Offsets inside the 83-byte signed hello body. */
export const HELLO_BODY_OFFSETS = {
  version: 0,
  suite: 1,
  flags: 2,
  sessionId: 3,
  ephemeralPublicKey: 3 + SESSION_ID_LENGTH,
  identityPublicKey: 3 + SESSION_ID_LENGTH + X25519_PUBLIC_KEY_LENGTH,
} as const;

/** 3 + 16 + 32 + 32 = 83 bytes. */
export const HELLO_BODY_LENGTH = 3 + SESSION_ID_LENGTH + X25519_PUBLIC_KEY_LENGTH + ED25519_PUBLIC_KEY_LENGTH;
/** body || signature: what is signed-over-and-hashed, and what enters the transcript. 147 bytes. */
export const SIGNED_HELLO_LENGTH = HELLO_BODY_LENGTH + ED25519_SIGNATURE_LENGTH;
/** body || signature || ack: 179 bytes on the wire. */
export const HELLO_LENGTH = SIGNED_HELLO_LENGTH + HELLO_ACK_LENGTH;

// ---- Keys ------------------------------------------------------------------------------------------------

export const X25519_SHARED_SECRET_BITS = 256;
export const DIRECTION_SECRET_LENGTH = 32;
export const SFRAME_BASE_KEY_LENGTH = 32;
/** Largest sender index a KID can carry (one byte). */
export const MAX_SENDER_INDEX = 0xff;

// ---- Frame container -------------------------------------------------------------------------------------

/** Last four bytes of every CallSeal frame. */
export const FRAME_MAGIC: readonly number[] = [0xca, 0x11, 0x5e, 0xa1];
export const FRAME_MAGIC_LENGTH = 4;
export const FRAME_FLAG_HAS_MEDIA = 0x01;
export const FRAME_FLAG_HAS_HELLO = 0x02;
export const FRAME_KNOWN_FLAGS = FRAME_FLAG_HAS_MEDIA | FRAME_FLAG_HAS_HELLO;
/** flags u8 + magic. */
export const FRAME_TRAILER_LENGTH = 1 + FRAME_MAGIC_LENGTH;
/** The hello length field (u16 BE) that precedes the flags when HAS_HELLO is set. */
export const FRAME_HELLO_LENGTH_FIELD = 2;
export const MAX_FRAME_HELLO_LENGTH = 0xffff;

// ---- Security code ---------------------------------------------------------------------------------------

export const SECURITY_CODE_GROUPS = 4;
export const SECURITY_CODE_GROUP_DIGITS = 5;
/** Bytes of the fingerprint digest shown for an identity key (128 bits, 32 hex digits). */
export const IDENTITY_FINGERPRINT_BYTES = 16;
