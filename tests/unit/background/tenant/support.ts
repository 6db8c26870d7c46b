/**
 * Helpers for the tenant policy tests: a tenant signing key made with WebCrypto, envelopes signed with it (or
 * damaged on purpose), documents built from the example in docs/examples, and an in-memory store.
 */
import { readFileSync } from 'node:fs';
import { concatBytes } from '../../../../src/shared/bytes';
import { PinnedPolicyKey, POLICY_SIGNATURE_LABEL } from '../../../../src/background/tenant/policy-key';
import type { StoredTenantPolicy, TenantPolicyStore } from '../../../../src/background/tenant/refresher';
import { encodeBase64 } from '../../../../src/background/tenant/strict-json';

export const EXAMPLE_DOCUMENT_PATH = new URL('../../../../docs/examples/tenant-policy.json', import.meta.url);
export const exampleDocument = (): Record<string, unknown> => JSON.parse(readFileSync(EXAMPLE_DOCUMENT_PATH, 'utf8'));

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

export interface TestSigner {
  raw: Uint8Array<ArrayBuffer>;
  pinned: PinnedPolicyKey;
  /** The envelope bytes for `payload` (a document object or exact bytes). */
  envelope(payload: unknown, options?: { label?: Uint8Array; keyId?: string | null; signature?: Uint8Array }): Promise<Uint8Array>;
}

export async function makeSigner(): Promise<TestSigner> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const pinned = await PinnedPolicyKey.fromRaw(raw);
  if (typeof pinned === 'string') throw new Error(pinned);
  return {
    raw,
    pinned,
    async envelope(payload, options = {}) {
      const bytes = payload instanceof Uint8Array ? payload : utf8(JSON.stringify(payload, null, 2));
      const label = options.label ?? POLICY_SIGNATURE_LABEL;
      const signature =
        options.signature ?? new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, concatBytes(label, bytes)));
      const envelope: Record<string, string> = {
        format: 'callseal-signed-policy',
        payload: encodeBase64(bytes),
        signature: encodeBase64(signature),
      };
      if (options.keyId !== null) envelope.keyId = options.keyId ?? pinned.keyId;
      return utf8(JSON.stringify(envelope));
    },
  };
}

/** The example document with some fields replaced (a value of `undefined` removes the field). */
export function documentWith(changes: Record<string, unknown>): Record<string, unknown> {
  const doc = { ...exampleDocument(), ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete doc[key];
  return doc;
}

export function memoryStore(initial?: StoredTenantPolicy): TenantPolicyStore & { record: StoredTenantPolicy | undefined; saves: number } {
  return {
    record: initial,
    saves: 0,
    async load() {
      return this.record && structuredClone(this.record);
    },
    async save(record) {
      this.record = structuredClone(record);
      this.saves++;
    },
  };
}

/** 2025-12-01, inside the example document's validity (issued 2025-11-30, notAfter 2027-12-01). */
export const EXAMPLE_NOW = Date.UTC(2025, 11, 1);
