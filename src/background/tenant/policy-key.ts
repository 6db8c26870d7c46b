/**
 * The tenant's pinned Ed25519 key (managed key `TenantPolicyKey`) and signature verification with it. The key's
 * bytes are judged before WebCrypto ever sees them (key-bytes.ts), and so is each signature's S and R; then
 * WebCrypto verifies. docs/admin.md §3.2.
 */
import { concatBytes, toHex } from '../../shared/bytes';
import { checkPointBytes, checkSignatureBytes } from './key-bytes';

/** Signed before the payload bytes, so a policy signature is never valid for anything else. */
export const POLICY_SIGNATURE_LABEL = new TextEncoder().encode('CallSeal-tenant-policy-v1\0');

export type PolicyKeyProblem = 'not-base64' | 'length' | 'non-canonical' | 'small-order';

/** Judges a raw 32-byte Ed25519 public key on its bytes; `undefined` when it is fit to pin. */
export function checkPolicyPublicKey(bytes: Uint8Array): PolicyKeyProblem | undefined {
  return checkPointBytes(bytes);
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
    if (checkSignatureBytes(signature) !== undefined) return false;
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
