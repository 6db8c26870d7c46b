/**
 * The exact textual formats of the few values that cross the runtime ports and end up on screen or in a signature:
 * worker session ids, security codes and base64 byte strings. One strict definition each, used by the message
 * validators (message-checks.ts), the background's status rules and the popup, so that "well-formed" means the same
 * thing everywhere and nothing loosely parsed (whitespace, URL-safe alphabets, missing padding, stray bits) is
 * accepted.
 */

/** A transform worker's session id: 16 random bytes as 32 lowercase hex digits. */
const SESSION_ID_PATTERN = /^[0-9a-f]{32}$/;

/** A security code as shown: 20 digits in four groups of five (protocol.md §5.2). */
const SECURITY_CODE_PATTERN = /^\d{5} \d{5} \d{5} \d{5}$/;

/** Raw Ed25519 public keys are 32 bytes. */
const IDENTITY_KEY_LENGTH = 32;

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value);
}

export function isSecurityCode(value: unknown): value is string {
  return typeof value === 'string' && SECURITY_CODE_PATTERN.test(value);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * True when `value` is the canonical, padded, standard-alphabet base64 of exactly `length` bytes: the only spelling
 * `btoa` produces. The unused low bits of the last character must be zero, so every byte string has exactly one
 * accepted encoding (a value cannot be smuggled past a comparison by spelling it differently).
 */
export function isBase64Of(value: unknown, length: number): value is string {
  if (typeof value !== 'string' || !Number.isSafeInteger(length) || length < 0) return false;
  const padding = (3 - (length % 3)) % 3;
  const chars = Math.ceil(length / 3) * 4;
  if (value.length !== chars) return false;
  const data = chars - padding;
  for (let i = 0; i < data; i++) if (!ALPHABET.includes(value.charAt(i))) return false;
  for (let i = data; i < chars; i++) if (value.charAt(i) !== '=') return false;
  if (padding === 0 || data === 0) return true;
  // 2 padding characters: the last data character carries 2 bits (4 unused); 1 padding: it carries 4 (2 unused).
  const unusedMask = padding === 2 ? 0x0f : 0x03;
  return (ALPHABET.indexOf(value.charAt(data - 1)) & unusedMask) === 0;
}

/** Base64 of a raw 32-byte identity public key. */
export function isIdentityKeyBase64(value: unknown): value is string {
  return isBase64Of(value, IDENTITY_KEY_LENGTH);
}
