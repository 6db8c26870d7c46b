/**
 * The background service worker: keeps the identity key, signs `th || pid` for running calls, holds the user's
 * switch, and alone decides what the toolbar and the popup show for each tab. The rules live in router.ts (tested
 * in Node with fakes); this file only connects them to the browser: runtime ports, timers, storage, IndexedDB and
 * the toolbar.
 */
import browser from 'webextension-polyfill';
import { openDatabase } from './database';
import { databaseIdentityStore } from './identity';
import { createRouter } from './router';
import { loadSettings, onSettingsChanged, saveEnabled } from './settings';
import { showTabStatus } from './toolbar';
import { VerifiedPeers } from './verified-peers';

const db = openDatabase();
const verifiedPeers = new VerifiedPeers(db);

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
  verifiedPeers,
  toolbar: { show: showTabStatus },
  warn: (message, error) => console.warn(`CallSeal: ${message}`, error),
});

browser.runtime.onConnect.addListener((port) => router.connect(port));
onSettingsChanged(() => router.settingsChanged());
browser.tabs.onRemoved.addListener((tabId) => router.tabRemoved(tabId));

void verifiedPeers.ready().catch((error: unknown) => console.error('CallSeal: could not read verified peers', error));
