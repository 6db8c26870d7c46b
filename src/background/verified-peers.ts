/**
 * Peers the user has verified by comparing security codes, remembered across calls by their identity key: the
 * next call with the same identity shows `verified` straight away. Kept in IndexedDB, cached in memory so that
 * status derivation stays synchronous.
 */
import type { CallSealDatabase } from './database';

export class VerifiedPeers {
  private readonly keys = new Set<string>();
  private readonly loaded: Promise<void>;

  constructor(private readonly db: Promise<CallSealDatabase>) {
    this.loaded = db.then(async (d) => {
      for (const key of await d.getAllKeys('verified-peers')) this.keys.add(key);
    });
  }

  ready(): Promise<void> {
    return this.loaded;
  }

  has(identityPublicKey: string): boolean {
    return this.keys.has(identityPublicKey);
  }

  async add(identityPublicKey: string): Promise<void> {
    await (await this.db).put('verified-peers', { identityPublicKey, verifiedAt: Date.now() });
    this.keys.add(identityPublicKey);
  }
}
