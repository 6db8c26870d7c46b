/**
 * The database upgrade (database.ts) against a real IndexedDB implementation (fake-indexeddb): each step runs only
 * for the versions it upgrades from, so what an older version stored survives — version 2 added the tenant policy
 * store, version 3 the contacts (the verified-peers migration itself is tested in contacts.test.ts).
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { DATABASE_VERSION, openDatabase } from '../../../src/background/database';

let counter = 0;
const freshName = () => `callseal-upgrade-${process.pid}-${++counter}`;

describe('openDatabase', () => {
  it('is at version 3 and a fresh install gets every store', async () => {
    const db = await openDatabase(freshName());
    expect(DATABASE_VERSION).toBe(3);
    expect(db.version).toBe(3);
    expect([...db.objectStoreNames].sort()).toEqual(['contacts', 'identity', 'tenant-policy', 'verified-peers']);
    db.close();
  });

  it('from version 2 keeps the tenant policy document and the identity, and adds the contacts', async () => {
    const name = freshName();
    const v2 = await openDB(name, 2, {
      upgrade(db) {
        db.createObjectStore('identity');
        db.createObjectStore('verified-peers', { keyPath: 'identityPublicKey' });
        db.createObjectStore('tenant-policy');
      },
    });
    await v2.put('identity', { publicKey: new Uint8Array(32).fill(3), createdAt: 7 }, 'current');
    await v2.put('tenant-policy', { serial: 12 }, 'current');
    v2.close();

    const db = await openDatabase(name);
    expect([...db.objectStoreNames].sort()).toEqual(['contacts', 'identity', 'tenant-policy', 'verified-peers']);
    expect(await db.get('tenant-policy', 'current')).toEqual({ serial: 12 });
    expect((await db.get('identity', 'current'))?.createdAt).toBe(7);
    db.close();
  });
});
