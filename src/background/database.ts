/**
 * CallSeal's IndexedDB database (via idb): the long-term identity key, the user's contacts (peers whose security
 * code the user compared, with the name the user gave them), and the last good tenant policy document
 * (docs/admin.md §3.5). Private keys are stored as non-extractable CryptoKeys; IndexedDB keeps them so (structured
 * clone), and no code path can export them.
 *
 * Versions, each upgrade step keyed on the version it upgrades from, so every step runs once and an identity made
 * under an older version survives untouched:
 *   1  `identity`, `verified-peers` (identity keys only)
 *   2  `tenant-policy`: the last good tenant policy document and how the last refreshes went
 *   3  `contacts`: each verified peer moves over with an empty name (the options page lets the user name it), and
 *      `verified-peers` is emptied (kept, so that no later step depends on whether it exists)
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { StoredTenantPolicy, TenantPolicyStore } from './tenant/refresher';

export interface StoredIdentity {
  /** Ed25519, non-extractable, usages ['sign']. */
  privateKey: CryptoKey;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  createdAt: number;
}

/** Version 1's record of a verified peer (migrated to `contacts` by version 3). */
export interface VerifiedPeer {
  /** Base64 of the peer's raw identity public key. */
  identityPublicKey: string;
  verifiedAt: number;
}

/** A peer whose security code the user compared ("Codes match"), under the name the user confirmed or gave. */
export interface StoredContact {
  /** Base64 of the peer's raw identity public key: the contact's identity. */
  identityPublicKey: string;
  /** The user's name for the contact ('' for none yet: contacts migrated from version 1). */
  name: string;
  /** When the user confirmed the codes match (milliseconds since the epoch). */
  verifiedAt: number;
  /** The display name the peer claimed when it was verified, if any (protocol.md §4.5). */
  claimedName?: string;
}

interface CallSealSchema extends DBSchema {
  identity: { key: 'current'; value: StoredIdentity };
  'verified-peers': { key: string; value: VerifiedPeer };
  contacts: { key: string; value: StoredContact };
  'tenant-policy': { key: 'current'; value: StoredTenantPolicy };
}

export type CallSealDatabase = IDBPDatabase<CallSealSchema>;

export const DATABASE_NAME = 'callseal';
export const DATABASE_VERSION = 3;

type UpgradeTransaction = IDBPTransaction<CallSealSchema, StoreNames<CallSealSchema>[], 'versionchange'>;

/** Makes what the versions after `oldVersion` added. Version 3 also moves the verified peers into `contacts`. */
export function upgradeDatabase(db: CallSealDatabase, oldVersion: number, transaction: UpgradeTransaction): void {
  if (oldVersion < 1) {
    db.createObjectStore('identity');
    db.createObjectStore('verified-peers', { keyPath: 'identityPublicKey' });
  }
  if (oldVersion < 2) db.createObjectStore('tenant-policy');
  if (oldVersion < 3) {
    if (!db.objectStoreNames.contains('contacts')) db.createObjectStore('contacts', { keyPath: 'identityPublicKey' });
    if (oldVersion >= 1) void migrateVerifiedPeers(transaction);
  }
}

/** Version 1's verified peers become unnamed contacts, in the upgrade's own transaction (all or nothing). */
async function migrateVerifiedPeers(transaction: UpgradeTransaction): Promise<void> {
  const peers = transaction.objectStore('verified-peers');
  const contacts = transaction.objectStore('contacts');
  for (const peer of await peers.getAll()) {
    if (typeof peer?.identityPublicKey !== 'string') continue;
    const verifiedAt = Number.isSafeInteger(peer.verifiedAt) ? peer.verifiedAt : 0;
    await contacts.put({ identityPublicKey: peer.identityPublicKey, name: '', verifiedAt });
  }
  await peers.clear();
}

export function openDatabase(name = DATABASE_NAME): Promise<CallSealDatabase> {
  return openDB<CallSealSchema>(name, DATABASE_VERSION, {
    upgrade: (db, oldVersion, _newVersion, transaction) => upgradeDatabase(db, oldVersion, transaction),
  });
}

/** The refresher's store: one record, the last good envelope and how the last refreshes went. */
export function databaseTenantPolicyStore(db: Promise<CallSealDatabase>): TenantPolicyStore {
  return {
    load: async () => (await db).get('tenant-policy', 'current'),
    save: async (record) => void (await (await db).put('tenant-policy', record, 'current')),
  };
}
