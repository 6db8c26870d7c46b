/**
 * The tenant's pinned Ed25519 key (managed key `TenantPolicyKey`) and signature verification with it. The key's
 * bytes are judged before WebCrypto ever sees them (ed25519-point.ts), and so is each signature's S and R; then
 * WebCrypto verifies. docs/admin.md §3.2.
 *
 * Handshake keys get their own checks in src/e2ee (protocol.md §4.4); this file is the policy key's, stricter
 * (prime-order subgroup) because an honestly generated admin key always passes.
 */
import { concatBytes, toHex } from '../../shared/bytes';
import { decodePoint, GROUP_ORDER, hasSmallOrder, isTorsionFree, littleEndianToBigInt } from './ed25519-point';

/** Signed before the payload bytes, so a policy signature is never valid for anything else. */
export const POLICY_SIGNATURE_LABEL = new TextEncoder().encode('CallSeal-tenant-policy-v1\0');

export type PolicyKeyProblem = 'not-base64' | 'length' | 'non-canonical' | 'not-on-curve' | 'small-order' | 'mixed-order';

export const POLICY_KEY_PROBLEM_TEXT: Readonly<Record<PolicyKeyProblem, string>> = {
  'not-base64': 'is not base64',
  length: 'is not 32 bytes long',
  'non-canonical': 'is not a canonical Ed25519 encoding',
  'not-on-curve': 'is not a point on the Ed25519 curve',
  'small-order': 'is a point of small order (a weak key)',
  'mixed-order': 'is not in the prime-order subgroup (a weak key)',
};

/** Judges a raw 32-byte Ed25519 public key; `undefined` when it is fit to pin. */
export function checkPolicyPublicKey(bytes: Uint8Array): PolicyKeyProblem | undefined {
  const decoded = decodePoint(bytes);
  if (!decoded.ok) return decoded.reason;
  if (hasSmallOrder(decoded.point)) return 'small-order';
  if (!isTorsionFree(decoded.point)) return 'mixed-order';
  return undefined;
}

/** First 8 bytes of SHA-256 over the raw public key, in hex: how the CLI, envelopes and the popup name a key. */
export async function policyKeyId(rawPublicKey: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', rawPublicKey));
  return toHex(digest.subarray(0, 8));
}

export class PinnedPolicyKey {
  private constructor(
    readonly raw: Uint8Array<ArrayBuffer>,
    readonly keyId: string,
    private readonly key: CryptoKey,
  ) {}

  /** A checked key, or the reason it cannot be pinned. */
  static async fromRaw(raw: Uint8Array): Promise<PinnedPolicyKey | PolicyKeyProblem> {
    const problem = checkPolicyPublicKey(raw);
    if (problem) return problem;
    const copy = Uint8Array.from(raw);
    const key = await crypto.subtle.importKey('raw', copy, { name: 'Ed25519' }, false, ['verify']);
    return new PinnedPolicyKey(copy, await policyKeyId(copy), key);
  }

  /**
   * True only for a 64-byte signature with a canonical S and an R not of small order that WebCrypto verifies over
   * `POLICY_SIGNATURE_LABEL || payload`.
   */
  async verify(payload: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (signature.length !== 64) return false;
    const r = decodePoint(signature.subarray(0, 32));
    if (!r.ok || hasSmallOrder(r.point)) return false;
    if (littleEndianToBigInt(signature.subarray(32)) >= GROUP_ORDER) return false;
    try {
      return await crypto.subtle.verify(
        { name: 'Ed25519' },
        this.key,
        Uint8Array.from(signature),
        concatBytes(POLICY_SIGNATURE_LABEL, payload),
      );
    } catch {
      return false;
    }
  }
}
