/**
 * CallSeal's IndexedDB database (via idb): the long-term identity key and the peers the user has verified.
 * Private keys are stored as non-extractable CryptoKeys; IndexedDB keeps them so (structured clone), and no code
 * path can export them.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface StoredIdentity {
  /** Ed25519, non-extractable, usages ['sign']. */
  privateKey: CryptoKey;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  createdAt: number;
}

export interface VerifiedPeer {
  /** Base64 of the peer's raw identity public key. */
  identityPublicKey: string;
  verifiedAt: number;
}

interface CallSealSchema extends DBSchema {
  identity: { key: 'current'; value: StoredIdentity };
  'verified-peers': { key: string; value: VerifiedPeer };
}

export type CallSealDatabase = IDBPDatabase<CallSealSchema>;

export const DATABASE_NAME = 'callseal';

export function openDatabase(name = DATABASE_NAME): Promise<CallSealDatabase> {
  return openDB<CallSealSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('identity');
      db.createObjectStore('verified-peers', { keyPath: 'identityPublicKey' });
    },
  });
}
