/**
 * The settings source (protocol.md §7.4, docs/admin.md §3), wired to the browser: the user's switch ("End-to-end encrypted calls", global for the user,
 * as Teams' Settings > Privacy switch is; storage.local), the admin's managed keys (storage.managed, schema in
 * public/managed-schema.json, read whole), the tenant policy document (fetched, kept in IndexedDB) and what tells
 * whether a policy may still be coming (storage.session, management.getSelf()). The rules are in
 * policy-controller.ts, tested with fakes; this file only connects them.
 */
import browser from 'webextension-polyfill';
import { databaseTenantPolicyStore, type CallSealDatabase } from './database';
import { ENABLED_KEY, PolicyController } from './policy-controller';
import type { Clock } from './clock';
import { httpPolicyFetch } from './tenant/http-fetch';

/** The chrome.alarms alarm that wakes the background for the next tenant policy refresh. */
export const REFRESH_ALARM = 'tenant-policy-refresh';

export function createPolicyController(
  db: Promise<CallSealDatabase>,
  clock: Clock,
  warn: (message: string, error?: unknown) => void,
): PolicyController {
  return new PolicyController({
    readManaged: () => browser.storage.managed.get(null),
    local: browser.storage.local,
    session: browser.storage.session,
    // Needs no permission; 'admin' when installed by policy (ExtensionInstallForcelist, ExtensionSettings).
    installType: async () => (await chrome.management.getSelf()).installType,
    tenantStore: databaseTenantPolicyStore(db),
    fetch: httpPolicyFetch,
    clock,
    scheduleRefresh: (minutes) => void chrome.alarms.create(REFRESH_ALARM, { delayInMinutes: minutes }),
    cancelRefresh: () => void chrome.alarms.clear(REFRESH_ALARM),
    warn,
  });
}

/** Tells the controller about changes to the managed keys and to the user's switch. */
export function listenForSettingsChanges(controller: PolicyController): void {
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'managed') controller.managedChanged();
    if (area === 'local' && ENABLED_KEY in changes) controller.userChoiceChanged();
  });
}
