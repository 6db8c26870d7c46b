/**
 * The user's long-term Ed25519 identity. Made on first use, kept non-extractable in IndexedDB, and used for one
 * thing only: signing well-formed hellos (checked by `checkHelloBodyForSigning`) under the hello label, so the page
 * can never obtain a signature over anything else.
 */
import { checkHelloBodyForSigning } from '../e2ee/hello';
import type { CallSealDatabase, StoredIdentity } from './database';

export interface IdentityStore {
  load(): Promise<StoredIdentity | undefined>;
  save(identity: StoredIdentity): Promise<void>;
}

export function databaseIdentityStore(db: Promise<CallSealDatabase>): IdentityStore {
  return {
    load: async () => (await db).get('identity', 'current'),
    save: async (identity) => void (await (await db).put('identity', identity, 'current')),
  };
}

export class Identity {
  private constructor(private readonly stored: StoredIdentity) {}

  /** The stored identity, or a new one saved before it is used. Concurrent callers share one creation. */
  static async loadOrCreate(store: IdentityStore): Promise<Identity> {
    const existing = await store.load();
    if (existing) return new Identity(existing);
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    const identity: StoredIdentity = { privateKey: pair.privateKey, publicKey, createdAt: Date.now() };
    await store.save(identity);
    return new Identity(identity);
  }

  get publicKey(): Uint8Array {
    return this.stored.publicKey;
  }

  /** Signs a hello body after checking it is exactly a version-1 hello naming this identity (throws otherwise). */
  async signHello(body: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    // Sign exactly the bytes that were checked (label || a private copy of the body).
    const input = checkHelloBodyForSigning(body, this.stored.publicKey);
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, this.stored.privateKey, input);
    return new Uint8Array(signature);
  }
}
