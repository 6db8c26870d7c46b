/**
 * The contact store (contacts.ts) over a real IndexedDB implementation (fake-indexeddb): verify, rename, forget,
 * unique names (a new key under a contact's name replaces the old one), concurrent changes that lose nothing, and
 * the database upgrade from version 1, which moves verified peers into contacts and keeps the identity.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { ContactBook, databaseContactsBackend, nameKey } from '../../../src/background/contacts';
import { DATABASE_VERSION, openDatabase } from '../../../src/background/database';

let dbCounter = 0;
const freshName = () => `callseal-test-${process.pid}-${++dbCounter}`;
const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

async function book(name = freshName()) {
  const db = openDatabase(name);
  let time = 1_000;
  const contacts = new ContactBook(databaseContactsBackend(db), () => ++time);
  await contacts.ready();
  /** A second book over the same database: what a restarted service worker reads. */
  const reopen = async () => {
    const again = new ContactBook(databaseContactsBackend(db));
    await again.ready();
    return again;
  };
  return { contacts, db, reopen };
}

describe('contacts', () => {
  it('"Codes match" stores the key, the name, the claim and when; a later lookup finds it by key and by name', async () => {
    const { contacts, reopen } = await book();
    const { contact } = await contacts.verify(key(1), 'Bob', 'Bob Smith');
    expect(contact).toMatchObject({ identityPublicKey: key(1), name: 'Bob', claimedName: 'Bob Smith' });
    expect(contacts.has(key(1))).toBe(true);
    expect(contacts.named('bob')?.identityPublicKey).toBe(key(1));
    expect(contacts.named('BOB  SMITH')?.identityPublicKey).toBe(key(1)); // the claim counts too, loosely
    expect(contacts.named('Alice')).toBeUndefined();
    const again = await reopen();
    expect(again.get(key(1))).toEqual(contact);
  });

  it('takes the claimed name when the user typed none, and keeps a contact’s name when re-verified without one', async () => {
    const { contacts } = await book();
    expect((await contacts.verify(key(1), '', 'Alice')).contact.name).toBe('Alice');
    await contacts.rename(key(1), 'Ally');
    expect((await contacts.verify(key(1), '')).contact.name).toBe('Ally');
  });

  it('normalizes names and refuses ones that break the rules', async () => {
    const { contacts } = await book();
    expect((await contacts.verify(key(1), '  Zoe\u0308  ')).contact.name).toBe('Zoë');
    await expect(contacts.verify(key(2), 'a\u202eb')).rejects.toThrow('refused-character');
    expect(contacts.has(key(2))).toBe(false);
    expect(await contacts.rename(key(1), 'x'.repeat(65))).toBe('too-long');
    expect(contacts.get(key(1))?.name).toBe('Zoë');
  });

  it('a new key verified under a contact’s name replaces the old key (the change the user compared)', async () => {
    const { contacts, reopen } = await book();
    await contacts.verify(key(1), 'Bob');
    const { replaced } = await contacts.verify(key(2), 'bob');
    expect(replaced?.identityPublicKey).toBe(key(1));
    expect(contacts.has(key(1))).toBe(false);
    expect(contacts.named('Bob')?.identityPublicKey).toBe(key(2));
    const again = await reopen();
    expect(again.list().map((c) => c.identityPublicKey)).toEqual([key(2)]);
  });

  it('rename: to a free name; not to another contact’s; unknown keys are not found', async () => {
    const { contacts, reopen } = await book();
    await contacts.verify(key(1), 'Bob');
    await contacts.verify(key(2), 'Carol');
    expect(await contacts.rename(key(1), 'Robert')).toBe('renamed');
    expect(await contacts.rename(key(2), 'robert')).toBe('name-taken');
    expect(await contacts.rename(key(9), 'Nobody')).toBe('not-found');
    expect(await contacts.rename(key(2), '')).toBe('renamed'); // unnamed is allowed
    const again = await reopen();
    expect(again.get(key(1))?.name).toBe('Robert');
    expect(again.get(key(2))?.name).toBe('');
  });

  it('forget: gone from memory and storage; a second forget finds nothing', async () => {
    const { contacts, reopen } = await book();
    await contacts.verify(key(1), 'Bob');
    expect(await contacts.forget(key(1))).toBe(true);
    expect(await contacts.forget(key(1))).toBe(false);
    expect(contacts.has(key(1))).toBe(false);
    expect((await reopen()).list()).toEqual([]);
  });

  it('concurrent changes all land, in the order asked, and storage agrees with memory', async () => {
    const { contacts, reopen } = await book();
    const changes = await Promise.allSettled([
      contacts.verify(key(1), 'Bob'),
      contacts.verify(key(2), 'Carol'),
      contacts.rename(key(1), 'Robert'),
      contacts.verify(key(3), 'Robert'), // takes the name from key 1, which was renamed before it
      contacts.forget(key(2)),
      contacts.rename(key(3), 'Rob'),
      contacts.verify(key(4), 'Dave'),
      contacts.rename(key(4), 'Rob'), // taken by key 3 by then
    ]);
    expect(changes.map((c) => c.status)).toEqual(Array(8).fill('fulfilled'));
    expect((changes[7] as PromiseFulfilledResult<string>).value).toBe('name-taken');
    const summary = (book: ContactBook) => book.list().map((c) => [c.identityPublicKey, c.name]);
    expect(summary(contacts)).toEqual([
      [key(4), 'Dave'],
      [key(3), 'Rob'],
    ]);
    expect(summary(await reopen())).toEqual(summary(contacts));
  });

  it('tells listeners after each change (the background then refreshes what it shows)', async () => {
    const { contacts } = await book();
    let changes = 0;
    contacts.onChange(() => changes++);
    await contacts.verify(key(1), 'Bob');
    await contacts.rename(key(1), 'Rob');
    await contacts.forget(key(1));
    await Promise.resolve();
    expect(changes).toBe(3);
  });

  it('compares names loosely: case, compatibility forms and inner white space', () => {
    expect(nameKey('ＢＯＢ  Smith')).toBe(nameKey('bob smith'));
    expect(nameKey('')).toBe('');
  });
});

describe('the database upgrade', () => {
  it('from version 1 moves verified peers into contacts (unnamed), empties the old store and keeps the identity', async () => {
    const name = freshName();
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('identity');
        db.createObjectStore('verified-peers', { keyPath: 'identityPublicKey' });
      },
    });
    await v1.put('identity', { publicKey: new Uint8Array(32).fill(9), createdAt: 5 }, 'current');
    await v1.put('verified-peers', { identityPublicKey: key(1), verifiedAt: 111 });
    await v1.put('verified-peers', { identityPublicKey: key(2), verifiedAt: 222 });
    v1.close();

    const db = await openDatabase(name);
    expect(db.version).toBe(DATABASE_VERSION);
    expect(DATABASE_VERSION).toBe(3);
    expect(await db.getAll('contacts')).toEqual([
      { identityPublicKey: key(1), name: '', verifiedAt: 111 },
      { identityPublicKey: key(2), name: '', verifiedAt: 222 },
    ]);
    expect(await db.getAll('verified-peers')).toEqual([]);
    expect((await db.get('identity', 'current'))?.createdAt).toBe(5);
    const contacts = new ContactBook(databaseContactsBackend(Promise.resolve(db)));
    await contacts.ready();
    expect(contacts.has(key(1)) && contacts.has(key(2))).toBe(true);
    db.close();
  });

  it('a fresh install gets every store', async () => {
    const db = await openDatabase(freshName());
    expect([...db.objectStoreNames].sort()).toEqual(['contacts', 'identity', 'tenant-policy', 'verified-peers']);
    db.close();
  });
});
