/**
 * The background's identity: made once and kept (non-extractable), and it signs nothing but a well-formed hello
 * naming itself. The store here is in memory; the real one is IndexedDB (exercised in the end-to-end tests).
 */
import { describe, expect, it } from 'vitest';
import { Identity, type IdentityStore } from '../../../src/background/identity';
import type { StoredIdentity } from '../../../src/background/database';
import { encodeHelloBody, helloSigningInput, verifyHelloSignature } from '../../../src/e2ee/hello';
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

const body = (identityPublicKey: Uint8Array) =>
  encodeHelloBody({
    sessionId: crypto.getRandomValues(new Uint8Array(16)),
    ephemeralPublicKey: crypto.getRandomValues(new Uint8Array(32)),
    identityPublicKey,
  });

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

  it('signs a well-formed hello naming itself, verifiably', async () => {
    const identity = await Identity.loadOrCreate(memoryStore());
    const hello = body(identity.publicKey);
    const signature = await identity.signHello(hello);
    expect(await verifyHelloSignature({ body: hello, signature })).toBe(true);
    // The signature covers the label: the same bytes without it do not verify.
    const key = await crypto.subtle.importKey('raw', new Uint8Array(identity.publicKey), { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, hello)).toBe(false);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, helloSigningInput(hello))).toBe(true);
  });

  it.each([
    ['another identity key', async (own: Uint8Array) => body(own.map((b) => b ^ 1))],
    ['a truncated body', async (own: Uint8Array) => body(own).subarray(1)],
    ['a body one byte too long', async (own: Uint8Array) => new Uint8Array([...body(own), 0])],
    ['another version', async (own: Uint8Array) => Object.assign(body(own), { 0: 2 })],
    ['random bytes', async () => crypto.getRandomValues(new Uint8Array(83))],
    ['an arbitrary message', async () => new TextEncoder().encode('transfer all funds')],
  ])('refuses to sign %s', async (_name, make) => {
    const identity = await Identity.loadOrCreate(memoryStore());
    const bytes = await make(identity.publicKey);
    const error = await identity.signHello(bytes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isE2eeError(error), String(error)).toBe(true);
  });
});
