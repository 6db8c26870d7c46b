/**
 * The background service worker: keeps the identity key, signs `th || pid` for running calls, holds the user's
 * switch, contacts and display name, and alone decides what the toolbar, the popup and notifications show for each
 * tab. The rules live in router.ts (tested in Node with fakes); this file only connects them to the browser:
 * runtime ports, timers, storage, IndexedDB, the toolbar and notifications.
 */
import browser from 'webextension-polyfill';
import { ContactBook, databaseContactsBackend } from './contacts';
import { openDatabase } from './database';
import { databaseIdentityStore } from './identity';
import { listenForNotificationClicks, notifyWarning } from './notifications';
import { storageProfile } from './profile';
import { createRouter } from './router';
import { loadSettings, onSettingsChanged, saveEnabled } from './settings';
import { showTabStatus } from './toolbar';

const db = openDatabase();
const contacts = new ContactBook(databaseContactsBackend(db));

const router = createRouter({
  extensionId: browser.runtime.id,
  extensionUrl: browser.runtime.getURL(''),
  clock: {
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  },
  settings: { load: loadSettings, saveEnabled },
  identityStore: databaseIdentityStore(db),
  verifiedPeers: contacts,
  profile: storageProfile,
  toolbar: { show: showTabStatus },
  notify: notifyWarning,
  warn: (message, error) => console.warn(`CallSeal: ${message}`, error),
});

browser.runtime.onConnect.addListener((port) => router.connect(port));
onSettingsChanged(() => router.settingsChanged());
browser.tabs.onRemoved.addListener((tabId) => router.tabRemoved(tabId));
listenForNotificationClicks();

void contacts.ready().catch((error: unknown) => console.error('CallSeal: could not read contacts', error));
