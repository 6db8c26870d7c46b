/**
 * The settings a call gets: the user's switch ("End-to-end encrypted calls", off by default and global for the
 * user, as Teams' Settings > Privacy switch is; storage.local) combined with the admin's policy (managed storage,
 * schema in public/managed-schema.json). The browser delivers managed storage a few seconds after start, so
 * changes to either are listened for, not read once.
 */
import browser from 'webextension-polyfill';
import { effectiveSettings, parseMode, type E2eeMode, type EffectiveSettings } from './policy';

export type { EffectiveSettings } from './policy';

const ENABLED_KEY = 'e2eeEnabled';
const MODE_POLICY = 'E2EEMode';

async function readManagedMode(): Promise<E2eeMode> {
  try {
    return parseMode((await browser.storage.managed.get(MODE_POLICY))[MODE_POLICY]);
  } catch {
    return 'allowed'; // No policy for this extension (or none yet).
  }
}

export async function loadSettings(): Promise<EffectiveSettings> {
  const [stored, mode] = await Promise.all([browser.storage.local.get(ENABLED_KEY), readManagedMode()]);
  return effectiveSettings(stored[ENABLED_KEY] === true, mode);
}

export async function saveEnabled(enabled: boolean): Promise<void> {
  await browser.storage.local.set({ [ENABLED_KEY]: enabled });
}

/** Calls `listener` whenever the user's switch or the admin's policy changes. */
export function onSettingsChanged(listener: () => void): void {
  browser.storage.onChanged.addListener((changes, area) => {
    if ((area === 'local' && ENABLED_KEY in changes) || (area === 'managed' && MODE_POLICY in changes)) listener();
  });
}
