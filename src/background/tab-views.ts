/**
 * What each tab shows (protocol.md §7.4, "Which frame the popup shows", "Warnings"): the toolbar's icon and title,
 * the view posted to the popups that watch the tab, and a browser notification once per warning, even with the popup
 * closed. The call registry and tab-status.ts decide the status; this module decides by which origin's policy it is
 * judged (the top frame's, or the shown call's frame's), and when it is sent.
 *
 * Tabs are refreshed one at a time, in order, so an older view never overwrites a newer one; the toolbar is only
 * touched when what it shows changed. Reports expire without a message, so a timer refreshes the tab when its next
 * one does.
 */
import type { TabCallStatus } from '../shared/call-status';
import type { BackgroundToPopup, PopupView } from '../shared/messages';
import type { CallRegistry } from './call-registry';
import type { Clock } from './clock';
import type { ContactsLike } from './contacts';
import type { PolicySnapshot } from './policy';
import { postQuietly, type PortLike } from './ports';
import type { ProfileStore } from './profile';

interface TabViewsDeps {
  clock: Clock;
  calls: Pick<CallRegistry, 'status' | 'nextExpiry'>;
  /** The policy now. */
  settings(): Promise<PolicySnapshot>;
  contacts: ContactsLike;
  profile: Pick<ProfileStore, 'load'>;
  toolbar: { show(tabId: number, status: TabCallStatus): Promise<void> };
  notify?: ((tabId: number, status: TabCallStatus) => void) | undefined;
  /** The origin of a connected frame of the tab (bridge-channel.ts). */
  originOf(tabId: number, frameId?: number): string | undefined;
  /** The open popups, and the tab each watches (undefined until it says). */
  popups(): Iterable<[PortLike, number | undefined]>;
  track(promise: Promise<unknown>): void;
  warn(message: string, error?: unknown): void;
}

interface TabViews {
  /** Sends the tab's view to its popups; `answering`: the popup port whose "Refresh" this view answers. */
  refresh(tabId: number, answering?: PortLike): void;
  /** The tab was closed: its warnings, toolbar state and timer go. */
  forgetTab(tabId: number): void;
}

export function createTabViews(deps: TabViewsDeps): TabViews {
  const { clock, calls } = deps;
  /** Warnings already notified: tab|frame|session|warning|peer key. */
  const notified = new Set<string>();
  const onToolbar = new Map<number, string>();
  const expiryTimers = new Map<number, unknown>();
  let refreshes: Promise<void> = Promise.resolve();

  function refresh(tabId: number, answering?: PortLike): void {
    refreshes = refreshes
      .then(() => refreshNow(tabId, answering))
      .catch((error: unknown) => deps.warn('refresh failed', error));
    deps.track(refreshes);
  }

  async function refreshNow(tabId: number, answering?: PortLike): Promise<void> {
    const snapshot = await deps.settings();
    await deps.contacts.ready?.().catch(() => undefined);
    const statusFor = (origin: string | undefined) => {
      const tab = snapshot.tabPolicy(origin);
      const status = calls.status(tabId, {
        ...tab.status,
        isVerifiedPeer: (key) => deps.contacts.has(key),
        contactOf: (key) => deps.contacts.get?.(key),
        contactNamed: (name) => deps.contacts.named?.(name),
      });
      return { tab, status };
    };
    // Judged by the top frame's origin first; if the call shown is another frame's, by that frame's origin.
    let origin = deps.originOf(tabId);
    let { tab, status } = statusFor(origin);
    const shownOrigin = status.frameId === undefined ? origin : deps.originOf(tabId, status.frameId);
    if (shownOrigin !== origin) {
      origin = shownOrigin;
      ({ tab, status } = statusFor(origin));
    }
    scheduleExpiry(tabId);
    notifyWarning(tabId, status);
    const shown = [status.state, status.detail, status.warning, status.warningName, status.contact?.name];
    const toolbarKey = shown.join('|');
    if (onToolbar.get(tabId) !== toolbarKey) {
      onToolbar.set(tabId, toolbarKey);
      // The toolbar must never keep the popup from updating.
      await deps.toolbar.show(tabId, status).catch((error: unknown) => {
        onToolbar.delete(tabId);
        deps.warn('toolbar update failed', error);
      });
    }
    const view: PopupView = { tabId, status, enabled: tab.enabled, canToggle: tab.canToggle, policy: tab.policy };
    view.displayName = await deps.profile.load().catch(() => '');
    for (const [port, watched] of deps.popups()) {
      if (watched !== tabId) continue;
      const message: BackgroundToPopup =
        port === answering ? { kind: 'view', view, answers: 'refresh-policy' } : { kind: 'view', view };
      postQuietly(port, message);
    }
  }

  /** Each warning of a frame's call is notified once (protocol.md §7.4), even with the popup closed. */
  function notifyWarning(tabId: number, status: TabCallStatus): void {
    if (!status.warning || !deps.notify) return;
    const key = [tabId, status.frameId, status.session, status.warning, status.peerIdentityPublicKey].join('|');
    if (notified.has(key)) return;
    notified.add(key);
    try {
      deps.notify(tabId, status);
    } catch (error) {
      deps.warn('notification failed', error);
    }
  }

  /** Reports expire without a message: refresh the tab when its next one does. */
  function scheduleExpiry(tabId: number): void {
    clearExpiry(tabId);
    const at = calls.nextExpiry(tabId);
    if (at === undefined) return;
    const timer = clock.setTimeout(
      () => {
        expiryTimers.delete(tabId);
        refresh(tabId);
      },
      Math.max(0, at - clock.now()),
    );
    expiryTimers.set(tabId, timer);
  }

  function clearExpiry(tabId: number): void {
    const timer = expiryTimers.get(tabId);
    if (timer !== undefined) clock.clearTimeout(timer);
    expiryTimers.delete(tabId);
  }

  return {
    refresh,
    forgetTab(tabId) {
      for (const key of [...notified]) if (key.startsWith(`${tabId}|`)) notified.delete(key);
      onToolbar.delete(tabId);
      clearExpiry(tabId);
    },
  };
}
