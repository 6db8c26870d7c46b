/**
 * The short authentication strings the two people compare.
 *
 * Why: the CONFIRMs are signed, but nobody has certified whose identity key is whose. A man in the middle that runs
 * one pair with each side produces valid signatures; what it cannot do is make the two sides compute the same
 * transcript hash, because each side committed before it revealed (protocol.md §8.1). So both screens show a code
 * derived from th (symmetric: both sides order the transcript by pid) and the people read it to each other.
 *
 *   d = SHA-256("CallSeal-v2 security code" || th)                                              protocol.md §5.2
 *
 *   d:  | d[0..5) | d[5..10) | d[10..15) | d[15..20) | unused ... |
 *          40-bit big-endian integers, each mod 100000, zero-padded to 5 digits
 *   code: "ddddd ddddd ddddd ddddd"   (20 digits, about 66 bits)
 *
 * The identity fingerprint is for display ("whose key is this?"), not for authentication of the call:
 *   hex(SHA-256(identity public key)[0..16)) in groups of 4, e.g. "3fa9 07c1 ... 9b2e".
 */
import { toHex } from '../shared/bytes';
import { requireBytes } from './bytes';
import {
  ED25519_PUBLIC_KEY_LENGTH,
  IDENTITY_FINGERPRINT_BYTES,
  SECURITY_CODE_GROUP_DIGITS,
  SECURITY_CODE_GROUPS,
  SECURITY_CODE_LABEL_BYTES,
  SHA256_LENGTH,
} from './constants';
import { sha256 } from './webcrypto';

const GROUP_BYTES = 5;
const GROUP_MODULUS = 10 ** SECURITY_CODE_GROUP_DIGITS;

/** 20 decimal digits in four groups of five, from a 32-byte transcript hash. */
export async function securityCode(transcriptHash: Uint8Array): Promise<string> {
  requireBytes(transcriptHash, 'transcript hash', SHA256_LENGTH);
  return codeDigits(await sha256(SECURITY_CODE_LABEL_BYTES, transcriptHash));
}

/** §5.2's digits of a 32-byte digest: four 40-bit big-endian integers, each mod 100000 (also the group code, §11.7). */
export function codeDigits(d: Uint8Array): string {
  requireBytes(d, 'digest', SHA256_LENGTH);
  const groups: string[] = [];
  for (let g = 0; g < SECURITY_CODE_GROUPS; g++) {
    let value = 0; // at most 2^40 - 1: exact in a double
    for (let i = 0; i < GROUP_BYTES; i++) value = value * 256 + (d[g * GROUP_BYTES + i] ?? 0);
    groups.push(String(value % GROUP_MODULUS).padStart(SECURITY_CODE_GROUP_DIGITS, '0'));
  }
  return groups.join(' ');
}

/**
 * Hex of the first 16 bytes of SHA-256(identity public key), in groups of four hex digits: the fingerprint the popup
 * shows under the code and the options page shows for the own key (protocol.md §7.4). For display only — the call
 * is authenticated by the code; the background computes it from the key it checked, never takes it from a report.
 */
export async function identityFingerprint(identityPublicKey: Uint8Array): Promise<string> {
  requireBytes(identityPublicKey, 'identity public key', ED25519_PUBLIC_KEY_LENGTH);
  const digest = await sha256(identityPublicKey);
  const hex = toHex(digest.subarray(0, IDENTITY_FINGERPRINT_BYTES));
  return (hex.match(/.{4}/g) ?? []).join(' ');
}
