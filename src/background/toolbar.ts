/**
 * The toolbar button per tab: icon, tooltip and badge follow the tab's call state. The words come from
 * `shared/status-text.ts`, the same ones the popup shows.
 */
import browser from 'webextension-polyfill';
import { NO_CALL, type TabCallStatus } from '../shared/call-status';
import { callWords, toolbarIconPaths } from '../shared/status-text';

/** Chrome's error for a tab that closed (or never existed) between the event and our call. */
export function isClosedTabError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /no tab with id/i.test(message);
}

/** Shows a tab's call state on the toolbar button. A tab that has closed meanwhile is ignored; other errors throw. */
export async function showTabStatus(tabId: number, status: TabCallStatus): Promise<void> {
  const words = callWords(status);
  try {
    await Promise.all([
      browser.action.setIcon({ tabId, path: toolbarIconPaths(status.state) }),
      browser.action.setTitle({ tabId, title: words.title }),
      browser.action.setBadgeText({ tabId, text: words.badge }),
      words.badge ? browser.action.setBadgeBackgroundColor({ tabId, color: words.badgeColor }) : undefined,
    ]);
  } catch (error) {
    if (!isClosedTabError(error)) throw error;
  }
}

/** Puts a tab's toolbar button back to "off" (no call, or the page navigated away). */
export async function resetTabStatus(tabId: number): Promise<void> {
  await showTabStatus(tabId, NO_CALL);
}
