/**
 * CallSeal's IndexedDB database (via idb): the long-term identity key, the peers the user has verified, and the last
 * good tenant policy document (docs/admin.md §3.5). Private keys are stored as non-extractable CryptoKeys; IndexedDB
 * keeps them so (structured clone), and no code path can export them.
 *
 * Versions: 1 had `identity` and `verified-peers`; 2 adds `tenant-policy`. Each upgrade step runs only for the
 * versions it upgrades from, so an existing identity and its verified peers survive the upgrade untouched.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { StoredTenantPolicy, TenantPolicyStore } from './tenant/refresher';

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
  'tenant-policy': { key: 'current'; value: StoredTenantPolicy };
}

export type CallSealDatabase = IDBPDatabase<CallSealSchema>;

export const DATABASE_NAME = 'callseal';
export const DATABASE_VERSION = 2;

/** The part of an upgrading database the upgrade uses (idb's database fits; so does a test's fake). */
export interface UpgradingDatabase {
  createObjectStore(name: string, options?: { keyPath: string }): unknown;
}

/** Creates what versions after `oldVersion` added, and nothing else. */
export function upgradeDatabase(db: UpgradingDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('identity');
    db.createObjectStore('verified-peers', { keyPath: 'identityPublicKey' });
  }
  if (oldVersion < 2) db.createObjectStore('tenant-policy');
}

export function openDatabase(name = DATABASE_NAME): Promise<CallSealDatabase> {
  return openDB<CallSealSchema>(name, DATABASE_VERSION, {
    upgrade: (db, oldVersion) => upgradeDatabase(db as unknown as UpgradingDatabase, oldVersion),
  });
}

/** The refresher's store: one record, the last good envelope and how the last refreshes went. */
export function databaseTenantPolicyStore(db: Promise<CallSealDatabase>): TenantPolicyStore {
  return {
    load: async () => (await db).get('tenant-policy', 'current'),
    save: async (record) => void (await (await db).put('tenant-policy', record, 'current')),
  };
}
