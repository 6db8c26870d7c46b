/**
 * The settings a call gets: the user's switch ("End-to-end encrypted calls", off by default and global for the
 * user, as Teams' Settings > Privacy switch is; storage.local) combined with the admin's policy (managed storage,
 * schema in public/managed-schema.json). The browser delivers managed storage a few seconds after start, so
 * changes to either are listened for, not read once.
 */
import browser from 'webextension-polyfill';
import { decideMode, effectiveSettings, POLICY_GRACE_MS, type E2eeMode, type EffectiveSettings } from './policy';

export type { EffectiveSettings } from './policy';

const ENABLED_KEY = 'e2eeEnabled';
const MODE_POLICY = 'E2EEMode';
/** The last admin policy seen (storage.local), standing in while the browser has not delivered it yet. */
const REMEMBERED_MODE_KEY = 'lastE2EEModePolicy';
const startedAt = Date.now();

async function readManagedMode(remembered: unknown): Promise<E2eeMode> {
  let managed: unknown;
  try {
    managed = (await browser.storage.managed.get(MODE_POLICY))[MODE_POLICY];
  } catch {
    managed = undefined; // No policy for this extension (or none yet).
  }
  const { mode, remember } = decideMode(managed, remembered, Date.now() - startedAt < POLICY_GRACE_MS);
  if (remember !== remembered) {
    if (remember === undefined) await browser.storage.local.remove(REMEMBERED_MODE_KEY);
    else await browser.storage.local.set({ [REMEMBERED_MODE_KEY]: remember });
  }
  return mode;
}

export async function loadSettings(): Promise<EffectiveSettings> {
  const stored = await browser.storage.local.get([ENABLED_KEY, REMEMBERED_MODE_KEY]);
  const mode = await readManagedMode(stored[REMEMBERED_MODE_KEY]);
  return effectiveSettings(stored[ENABLED_KEY] === true, mode);
}

export async function saveEnabled(enabled: boolean): Promise<void> {
  await browser.storage.local.set({ [ENABLED_KEY]: enabled });
}

/**
 * Calls `listener` whenever the user's switch or the admin's policy changes, and once when the grace for an
 * undelivered policy is over (a remembered policy that the browser did not deliver again is then dropped).
 */
export function onSettingsChanged(listener: () => void): void {
  browser.storage.onChanged.addListener((changes, area) => {
    if ((area === 'local' && ENABLED_KEY in changes) || (area === 'managed' && MODE_POLICY in changes)) listener();
  });
  setTimeout(listener, Math.max(0, POLICY_GRACE_MS - (Date.now() - startedAt)) + 100);
}
