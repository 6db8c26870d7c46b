/**
 * The background service worker (protocol.md §7, §7.4; the call's life: §7.6): keeps the identity key, signs
 * `th || pid` for running calls, holds the user's switch, contacts and display name, and the admin's policy (managed
 * keys and tenant document), and alone decides what the toolbar, the popup and notifications show for each tab. The
 * rules live in router.ts (with the channels it composes) and policy-controller.ts (tested in Node with fakes); this
 * file only connects them to the browser: runtime ports, timers, alarms, storage, IndexedDB, the toolbar and
 * notifications.
 *
 * Every listener is registered synchronously at the top level, so an event that wakes the service worker (a
 * bridge connecting, the refresh alarm) is delivered to it.
 */
import browser from 'webextension-polyfill';
import { ContactBook, databaseContactsBackend } from './contacts';
import { openDatabase } from './database';
import { databaseIdentityStore } from './identity';
import { listenForNotificationClicks, notifyWarning } from './notifications';
import { storageProfile } from './profile';
import type { Clock } from './clock';
import { createRouter } from './router';
import { createPolicyController, listenForSettingsChanges, REFRESH_ALARM } from './settings';
import { showTabStatus } from './toolbar';

const warn = (message: string, error?: unknown): void => console.warn(`CallSeal: ${message}`, error);
const clock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const db = openDatabase();
const contacts = new ContactBook(databaseContactsBackend(db));
const policy = createPolicyController(db, clock, warn);

const router = createRouter({
  extensionId: browser.runtime.id,
  extensionUrl: browser.runtime.getURL(''),
  clock,
  settings: {
    load: () => policy.snapshot(),
    saveEnabled: (enabled) => policy.saveEnabled(enabled),
    refresh: () => policy.refresh('user'),
  },
  identityStore: databaseIdentityStore(db),
  verifiedPeers: contacts,
  profile: storageProfile,
  toolbar: { show: showTabStatus },
  notify: notifyWarning,
  warn,
});

browser.runtime.onConnect.addListener((port) => router.connect(port));
browser.tabs.onRemoved.addListener((tabId) => router.tabRemoved(tabId));
listenForNotificationClicks();
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === REFRESH_ALARM) void policy.refresh('schedule');
});
listenForSettingsChanges(policy);
policy.onChange(() => router.settingsChanged());

void contacts.ready().catch((error: unknown) => console.error('CallSeal: could not read contacts', error));
