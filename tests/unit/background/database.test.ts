/**
 * The database upgrade (database.ts): version 2 adds the tenant policy store and touches nothing else, so an
 * identity and verified peers made under version 1 survive; a fresh install gets every store.
 */
import { describe, expect, it } from 'vitest';
import { DATABASE_VERSION, upgradeDatabase } from '../../../src/background/database';

function created(oldVersion: number): unknown[][] {
  const calls: unknown[][] = [];
  upgradeDatabase({ createObjectStore: (...args: unknown[]) => calls.push(args) }, oldVersion);
  return calls;
}

describe('upgradeDatabase', () => {
  it('creates every store on a fresh install', () => {
    expect(created(0)).toEqual([['identity'], ['verified-peers', { keyPath: 'identityPublicKey' }], ['tenant-policy']]);
  });

  it('from version 1 adds only the tenant policy store', () => {
    expect(created(1)).toEqual([['tenant-policy']]);
  });

  it('at the current version creates nothing', () => {
    expect(DATABASE_VERSION).toBe(2);
    expect(created(DATABASE_VERSION)).toEqual([]);
  });
});
