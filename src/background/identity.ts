/**
 * The user's long-term Ed25519 identity. Made on first use — which the router makes happen only while E2EE is on —
 * kept non-extractable in IndexedDB, and used for one thing only: signing `"CallSeal-v2 signature\0" || th || pid`
 * (protocol.md §4.3; e2ee/signing.ts). The 40-byte length is enforced here too, so no code path can get a
 * signature over anything else, whatever checks a caller forgot.
 */
import { signatureMessage } from '../e2ee/signing';
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

  /** The stored identity, or a new one saved before it is used. */
  static async loadOrCreate(store: IdentityStore): Promise<Identity> {
    const existing = await store.load();
    if (existing) return new Identity(existing);
    return Identity.create(store);
  }

  /** A new identity, saved over the stored one before it is used (a reset: the old key is gone for good). */
  static async create(store: IdentityStore): Promise<Identity> {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    const identity: StoredIdentity = { privateKey: pair.privateKey, publicKey, createdAt: Date.now() };
    await store.save(identity);
    return new Identity(identity);
  }

  get publicKey(): Uint8Array {
    return this.stored.publicKey;
  }

  get createdAt(): number {
    return this.stored.createdAt;
  }

  /**
   * Signs label || input || extensions; rejects with E2eeError 'invalid-argument' unless `input` is exactly
   * `th || pid` (40 bytes) and `extensions` are extensions a sender may write (protocol.md §4.3, §4.5).
   */
  async sign(input: Uint8Array, extensions?: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const message = signatureMessage(input, extensions); // a private copy: the bytes signed are the bytes checked
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, this.stored.privateKey, message));
  }
}

/**
 * The identity, loaded or made on the first `get()` and shared by concurrent callers (one creation, never two
 * keys). A failed load is not cached: the next caller tries again.
 */
export class LazyIdentity {
  private pending: Promise<Identity> | undefined;

  constructor(private readonly store: IdentityStore) {}

  get(): Promise<Identity> {
    this.pending ??= Identity.loadOrCreate(this.store).catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  /** The identity if one exists, without making one (for showing its fingerprint). */
  async peek(): Promise<Identity | undefined> {
    if (this.pending) return this.pending.catch(() => undefined);
    const stored = await this.store.load();
    return stored ? this.get() : undefined;
  }

  /**
   * Replaces the identity with a new key (the options page's reset). Waits for any creation in flight, so the new key
   * is the last one saved. Every later `get()` answers the new identity.
   */
  async reset(): Promise<Identity> {
    await this.pending?.catch(() => undefined);
    const next = Identity.create(this.store);
    this.pending = next.catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }
}
