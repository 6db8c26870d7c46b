/**
 * Browser notifications for the warnings of protocol.md §7.4 — a contact's key changed, the other side's identity
 * changed, encryption was lost — so that the user learns of them even with the popup closed. The words are the
 * popup's (status-text.ts). Clicking a notification brings its tab to the front. The router calls `notifyWarning`
 * once per warning of a call.
 */
import type { TabCallStatus } from '../shared/call-status';
import { t } from '../shared/i18n';
import { iconPath, warningWords } from '../shared/status-text';

const PREFIX = 'callseal-warning:';

export function notifyWarning(tabId: number, status: TabCallStatus): void {
  const words = warningWords(status);
  if (!words) return;
  chrome.notifications.create(`${PREFIX}${tabId}:${Date.now()}`, {
    type: 'basic',
    iconUrl: iconPath('identity-changed', 128),
    title: words.heading,
    message: words.body,
    contextMessage: t('notification_open'),
    priority: 2,
    requireInteraction: true,
  });
}

/** Clicking a warning shows its tab. */
export function listenForNotificationClicks(): void {
  chrome.notifications.onClicked.addListener((id) => {
    if (!id.startsWith(PREFIX)) return;
    const tabId = Number(id.slice(PREFIX.length).split(':')[0]);
    chrome.notifications.clear(id);
    if (!Number.isSafeInteger(tabId)) return;
    void chrome.tabs
      .update(tabId, { active: true })
      .then((tab) => (tab?.windowId !== undefined ? chrome.windows.update(tab.windowId, { focused: true }) : undefined))
      .catch(() => undefined);
  });
}
