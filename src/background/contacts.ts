/**
 * The user's contacts (protocol.md §7.4): peers whose security code the user compared and confirmed ("Codes match"),
 * by identity key, under the name the user confirmed or edited, with when. A later call with a contact's identity
 * shows `verified` and the contact's name; a peer that claims a contact's name with another identity key is
 * shown as that contact's key having changed. Kept in IndexedDB, cached in memory so that status derivation stays
 * synchronous.
 *
 * Names are unique among contacts, compared loosely (`nameKey`: NFKC, case-folded, inner white space collapsed), so
 * "Verified: Bob" means one identity. Verifying a new key under a contact's name replaces that contact's old key
 * (the person reinstalled, or reset their identity, and the user compared the new code); renaming to another
 * contact's name is refused. Every change is one IndexedDB transaction, and changes run one at a time in the order
 * they were asked for, so concurrent clicks (the popup and the options page at once) never lose one another's work;
 * the cache changes only after the transaction committed.
 */
import { normalizeDisplayName, type DisplayNameProblem } from '../e2ee/display-name';
import { isIdentityKeyBase64 } from '../shared/formats';
import type { CallSealDatabase, StoredContact } from './database';

export type Contact = Readonly<StoredContact>;

/** Where contacts are kept: IndexedDB in the extension, memory in tests. */
export interface ContactsBackend {
  all(): Promise<StoredContact[]>;
  /** One transaction: removes the keys in `remove`, then puts `put`. */
  write(change: { put?: StoredContact; remove?: readonly string[] }): Promise<void>;
}

export function databaseContactsBackend(db: Promise<CallSealDatabase>): ContactsBackend {
  return {
    all: async () => (await db).getAll('contacts'),
    async write({ put, remove = [] }) {
      const tx = (await db).transaction('contacts', 'readwrite');
      const store = tx.objectStore('contacts');
      await Promise.all([...remove.map((key) => store.delete(key)), ...(put ? [store.put(put)] : []), tx.done]);
    },
  };
}

/** The key two names are compared by: NFKC, lower case, inner white space collapsed. '' for no name. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

export type RenameOutcome = 'renamed' | 'not-found' | 'name-taken' | DisplayNameProblem;

export interface VerifyOutcome {
  contact: Contact;
  /** The contact whose name this was, with another key, now replaced. */
  replaced?: Contact;
}

export class ContactBook {
  private readonly byKey = new Map<string, Contact>();
  private readonly loaded: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly backend: ContactsBackend,
    private readonly now: () => number = Date.now,
  ) {
    this.loaded = backend.all().then((all) => {
      for (const contact of all) if (isIdentityKeyBase64(contact?.identityPublicKey)) this.byKey.set(contact.identityPublicKey, contact);
    });
    this.queue = this.loaded.catch(() => undefined);
  }

  ready(): Promise<void> {
    return this.loaded;
  }

  /** Called after every change (the background then refreshes what it shows). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A contact's identity key (base64): the user verified it. */
  has(identityPublicKey: string): boolean {
    return this.byKey.has(identityPublicKey);
  }

  get(identityPublicKey: string): Contact | undefined {
    return this.byKey.get(identityPublicKey);
  }

  /** The contact whose name, or whose name as they claimed it when verified, is `name` (compared by `nameKey`). */
  named(name: string): Contact | undefined {
    const key = nameKey(name);
    if (key === '') return undefined;
    for (const contact of this.byKey.values()) {
      if (nameKey(contact.name) === key || (contact.claimedName !== undefined && nameKey(contact.claimedName) === key)) {
        return contact;
      }
    }
    return undefined;
  }

  /** Every contact, by name (unnamed last), then by when verified. */
  list(): Contact[] {
    return [...this.byKey.values()].sort((a, b) => {
      if ((a.name === '') !== (b.name === '')) return a.name === '' ? 1 : -1;
      return a.name.localeCompare(b.name) || a.verifiedAt - b.verifiedAt;
    });
  }

  /**
   * "Codes match" for `identityPublicKey`, under `name` (what the user confirmed or typed; '' keeps the contact's
   * present name, or the claimed one). A contact that had this name with another key is replaced by this one.
   * Rejects with a DisplayNameProblem (as an Error's message) for a name that cannot be one.
   */
  verify(identityPublicKey: string, name: string, claimedName?: string): Promise<VerifyOutcome> {
    return this.serialize(async () => {
      if (!isIdentityKeyBase64(identityPublicKey)) throw new ContactError('invalid-key');
      const existing = this.byKey.get(identityPublicKey);
      let chosen = checkedName(name);
      if (chosen === '') chosen = existing?.name || (claimedName ? checkedName(claimedName) : '');
      const holder = chosen === '' ? undefined : this.holderOf(chosen, identityPublicKey);
      const contact: StoredContact = { identityPublicKey, name: chosen, verifiedAt: this.now() };
      if (claimedName) contact.claimedName = claimedName;
      await this.backend.write({ put: contact, remove: holder ? [holder.identityPublicKey] : [] });
      if (holder) this.byKey.delete(holder.identityPublicKey);
      this.byKey.set(identityPublicKey, contact);
      return holder ? { contact, replaced: holder } : { contact };
    });
  }

  rename(identityPublicKey: string, name: string): Promise<RenameOutcome> {
    return this.serialize(async () => {
      const existing = this.byKey.get(identityPublicKey);
      if (!existing) return 'not-found';
      const normalized = normalizeDisplayName(name);
      if ('problem' in normalized) return normalized.problem;
      if (normalized.name !== '' && this.holderOf(normalized.name, identityPublicKey)) return 'name-taken';
      const contact: StoredContact = { ...existing, name: normalized.name };
      await this.backend.write({ put: contact });
      this.byKey.set(identityPublicKey, contact);
      return 'renamed';
    });
  }

  /** The router's name for `verify`. */
  add(identityPublicKey: string, name = '', claimedName?: string): Promise<VerifyOutcome> {
    return this.verify(identityPublicKey, name, claimedName);
  }

  /** Forgets a contact: its next call is encrypted but not verified. False when there was none. */
  forget(identityPublicKey: string): Promise<boolean> {
    return this.serialize(async () => {
      if (!this.byKey.has(identityPublicKey)) return false;
      await this.backend.write({ remove: [identityPublicKey] });
      this.byKey.delete(identityPublicKey);
      return true;
    });
  }

  /** Another contact than `identityPublicKey` whose own name is `name` (names are unique among contacts). */
  private holderOf(name: string, identityPublicKey: string): Contact | undefined {
    const key = nameKey(name);
    for (const contact of this.byKey.values()) {
      if (contact.identityPublicKey !== identityPublicKey && nameKey(contact.name) === key) return contact;
    }
    return undefined;
  }

  /** Runs `task` after every change asked for before it (and after loading), then tells the listeners. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await this.loaded;
      return task();
    });
    this.queue = run.then(
      () => this.changed(),
      () => undefined,
    );
    return run;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A listener failing must not stop the others.
      }
    }
  }
}

export class ContactError extends Error {
  override name = 'ContactError';
  constructor(readonly code: DisplayNameProblem | 'invalid-key') {
    super(code);
  }
}

function checkedName(name: string): string {
  const normalized = normalizeDisplayName(name);
  if ('problem' in normalized) throw new ContactError(normalized.problem);
  return normalized.name;
}
