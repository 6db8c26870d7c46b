/**
 * Protocol constants of CallSeal's in-band key agreement, version 2 (docs/protocol.md).
 *
 * Why one place: every label below is a domain-separation string. Each cryptographic use of a key or hash gets its
 * own ASCII label, so a value computed for one purpose can never be taken for another (a commitment is not a
 * transcript hash is not a security code; a signature for version 1 is not one for version 2, §4.3). Changing any of
 * these is a protocol version bump. Sizes are here because the codecs, the key schedule and the tests must agree.
 */
import { asciiBytes } from './bytes';

// ---- Labels (ASCII), protocol.md §4 and §5 ------------------------------------------------------------------

/** Prefix of a COMMIT's hash (§4): label || suite || from pid || to pid || ephemeral public key. */
export const COMMIT_LABEL_BYTES = asciiBytes('CallSeal-v2 commit');
/** Prefix of the transcript hash th (§5.1). */
export const TRANSCRIPT_LABEL_BYTES = asciiBytes('CallSeal-v2 transcript');
/** HKDF info prefix of a participant's confirm key, followed by its pid (§5.1). */
export const CONFIRM_KEY_LABEL_BYTES = asciiBytes('CallSeal-v2 confirm');
/** HKDF info prefix of a participant's media secret, followed by its pid (§5.1). */
export const MEDIA_SECRET_LABEL_BYTES = asciiBytes('CallSeal-v2 media');
/** HKDF info prefix of an SFrame base key, followed by the KID as u64 big-endian (§5.3). */
export const SFRAME_BASE_KEY_LABEL_BYTES = asciiBytes('CallSeal-v3 sframe base key');
/** SHA-256 prefix of the security code (§5.2). */
export const SECURITY_CODE_LABEL_BYTES = asciiBytes('CallSeal-v2 security code');
/** What the identity key signs is this label || th || pid (§4, §4.3). Note the trailing NUL. */
export const SIGNATURE_LABEL_BYTES = asciiBytes('CallSeal-v2 signature\0');

// ---- Handshake packet, §4 ------------------------------------------------------------------------------------

export const PROTOCOL_VERSION = 3;
/** Version 2's packets: the same layout as version 3's, first byte 2 (§4.1, §9). */
export const VERSION_2 = 2;
/** Version 1's hello (§4.1, §9): first byte 1, 179 bytes. */
export const VERSION_1 = 1;
export const VERSION_1_HELLO_LENGTH = 179;

export const PID_LENGTH = 8;
/** version u8 | from pid. */
export const PACKET_HEADER_LENGTH = 1 + PID_LENGTH;
/** Senders keep packets at or under this (§4.2). */
export const MAX_PACKET_LENGTH = 1024;
/** type u8 | length u16. */
export const RECORD_HEADER_LENGTH = 3;

export const RECORD_COMMIT = 0x01;
export const RECORD_REVEAL = 0x02;
export const RECORD_CONFIRM = 0x03;

/**
 * SFrame cipher suite AES_128_GCM_SHA256_128 (RFC 9605 §4.5), the one CallSeal uses (§3): bound into the handshake
 * (session-options.ts) and used for the frames' keys (worker/key-ring.ts). The one place it is written.
 */
export const DEFAULT_SFRAME_SUITE = 4;

export const X25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const SHA256_LENGTH = 32;
export const COMMITMENT_LENGTH = SHA256_LENGTH;

/** COMMIT body: to pid | suite u8 | commitment. 41 bytes. */
export const COMMIT_BODY_LENGTH = PID_LENGTH + 1 + COMMITMENT_LENGTH;
/** REVEAL body: to pid | ephemeral public key. 40 bytes. */
export const REVEAL_BODY_LENGTH = PID_LENGTH + X25519_PUBLIC_KEY_LENGTH;
/** CONFIRM plaintext without extensions: identity key | signature. 96 bytes. */
export const CONFIRM_PLAINTEXT_MIN_LENGTH = ED25519_PUBLIC_KEY_LENGTH + ED25519_SIGNATURE_LENGTH;
/** AES-GCM tag. */
const CONFIRM_TAG_LENGTH = 16;
/** CONFIRM ciphertext: at least the plaintext and the tag, 112 bytes. */
export const CONFIRM_SEALED_MIN_LENGTH = CONFIRM_PLAINTEXT_MIN_LENGTH + CONFIRM_TAG_LENGTH;
/** The AAD's first byte (§4): 2, the version that defined CONFIRM; version 3 kept the packet as it was. */
export const CONFIRM_AAD_VERSION = 2;
/** What the worker sends the background to sign: th || pid (§4.3). */
export const SIGNING_INPUT_LENGTH = SHA256_LENGTH + PID_LENGTH;

// ---- Keys, §5 ------------------------------------------------------------------------------------------------

export const X25519_SHARED_SECRET_BITS = 256;
export const CONFIRM_KEY_BITS = 128;
export const MEDIA_SECRET_LENGTH = 32;
export const SFRAME_BASE_KEY_LENGTH = 32;
/** Largest sender index, hence KID (§5.3). */
export const MAX_SENDER_INDEX = 0xff;

// ---- Frame container, §2 -------------------------------------------------------------------------------------

/** Last byte of a media-only CallSeal frame (§2, version 3): a candidate, CallSeal's only if it decrypts. */
export const FRAME_MEDIA_MARKER = 0x5c;
/** Last four bytes of every CallSeal frame with a handshake packet. */
export const FRAME_MAGIC: readonly number[] = [0xca, 0x11, 0x5e, 0xa1];
export const FRAME_MAGIC_LENGTH = 4;
export const FRAME_FLAG_HAS_MEDIA = 0x01;
export const FRAME_FLAG_HAS_HANDSHAKE = 0x02;
export const FRAME_KNOWN_FLAGS = FRAME_FLAG_HAS_MEDIA | FRAME_FLAG_HAS_HANDSHAKE;
/** flags u8 + magic. */
export const FRAME_TRAILER_LENGTH = 1 + FRAME_MAGIC_LENGTH;
/** The handshake length field (u16 BE) that precedes the flags when HAS_HANDSHAKE is set. */
export const FRAME_HANDSHAKE_LENGTH_FIELD = 2;
export const MAX_FRAME_HANDSHAKE_LENGTH = 0xffff;

// ---- Security code, §5.2 -------------------------------------------------------------------------------------

export const SECURITY_CODE_GROUPS = 4;
export const SECURITY_CODE_GROUP_DIGITS = 5;
/** Bytes of the fingerprint digest shown for an identity key (128 bits, 32 hex digits). */
export const IDENTITY_FINGERPRINT_BYTES = 16;
