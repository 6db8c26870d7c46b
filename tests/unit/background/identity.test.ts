/**
 * The background's identity: made once and kept (non-extractable), and it signs exactly the label and 40 bytes
 * (`th || pid`, protocol.md §4.3), nothing else. The store here is in memory; the real one is IndexedDB.
 */
import { describe, expect, it } from 'vitest';
import type { StoredIdentity } from '../../../src/background/database';
import { Identity, type IdentityStore } from '../../../src/background/identity';
import { signatureMessage } from '../../../src/e2ee/signing';
import { isE2eeError } from '../../../src/e2ee/errors';

function memoryStore(): IdentityStore & { saved: number } {
  let stored: StoredIdentity | undefined;
  return {
    saved: 0,
    async load() {
      return stored;
    },
    async save(identity) {
      stored = identity;
      this.saved++;
    },
  };
}

async function verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(publicKey), 'Ed25519', false, ['verify']);
  return crypto.subtle.verify('Ed25519', key, new Uint8Array(signature), new Uint8Array(message));
}

describe('Identity', () => {
  it('is made on first use, saved, and the same key is loaded afterwards', async () => {
    const store = memoryStore();
    const first = await Identity.loadOrCreate(store);
    const again = await Identity.loadOrCreate(store);
    expect(store.saved).toBe(1);
    expect(again.publicKey).toEqual(first.publicKey);
    const stored = await store.load();
    expect(stored?.privateKey.extractable).toBe(false);
    expect(stored?.privateKey.usages).toEqual(['sign']);
  });

  it('signs "CallSeal-v2 signature\\0" || th || pid, verifiably, and nothing less', async () => {
    const identity = await Identity.loadOrCreate(memoryStore());
    const input = crypto.getRandomValues(new Uint8Array(40));
    const signature = await identity.sign(input);
    expect(await verify(identity.publicKey, signature, signatureMessage(input))).toBe(true);
    expect(new TextDecoder().decode(signatureMessage(input).subarray(0, 22))).toBe('CallSeal-v2 signature\0');
    expect(await verify(identity.publicKey, signature, input)).toBe(false);
  });

  it.each([0, 39, 41, 83, 147])('refuses to sign %i bytes', async (length) => {
    const identity = await Identity.loadOrCreate(memoryStore());
    await expect(identity.sign(new Uint8Array(length))).rejects.toSatisfy((e: unknown) => isE2eeError(e, 'invalid-argument'));
  });
});
