/**
 * The user's own display name (protocol.md §4.5): set in the popup or on the options page, kept in the background's
 * storage (storage.local), and appended by the background to what the identity key signs, so it travels signed in
 * every CONFIRM made after it was set. '' means no name.
 */
import browser from 'webextension-polyfill';
import { isDisplayName } from '../e2ee/display-name';

export interface ProfileStore {
  /** The name, or '' for none (a stored value that is not a valid name counts as none). */
  load(): Promise<string>;
  /** Saves an already normalized name ('' removes it). */
  save(name: string): Promise<void>;
}

const KEY = 'displayName';

export const storageProfile: ProfileStore = {
  async load() {
    const value: unknown = (await browser.storage.local.get(KEY))[KEY];
    return isDisplayName(value) ? value : '';
  },
  async save(name) {
    if (name === '') await browser.storage.local.remove(KEY);
    else await browser.storage.local.set({ [KEY]: name });
  },
};
