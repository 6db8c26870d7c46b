/**
 * The popup's runtime port (POPUP_PORT; protocol.md §7.4): the toolbar popup, or the same page opened in a tab with
 * `?tabId=`. Only the extension's own pages are admitted (sender-check.ts). A popup watches one tab and gets its view
 * (tab-views.ts); it may turn E2EE on or off where the policy lets the user, ask for the tenant policy now
 * ("Refresh", always answered by a view marked as its answer), set the user's display name, and say "Codes match".
 *
 * "Codes match" carries exactly what the user saw (frame, session, epoch, code, peer key) and the name the user gives
 * the contact: it is stored only while that is still the frame's current call and E2EE is on for the frame's origin;
 * otherwise the answer is that the call changed. "Codes match" for one participant of a group call is stored only while
 * the frame's current report lists exactly that participant's identity key and code (else `participant-changed`).
 * Every refusal is a code with a sentence the extension wrote.
 * Requests of one popup are handled one after the other, in order; one whose handling fails (storage, the policy
 * server) is warned about, and the ones after it are still handled.
 */
import type { BackgroundToPopup, PopupFailureCode, PopupToBackground } from '../shared/messages';
import { isPopupToBackground } from '../shared/message-checks';
import { failureMessage, nameProblemMessage } from '../shared/status-text';
import { normalizeDisplayName } from '../e2ee/display-name';
import type { CallRegistry } from './call-registry';
import type { ContactsLike } from './contacts';
import type { PolicySnapshot } from './policy';
import { postQuietly, serialQueue, type PortLike } from './ports';
import { isOwnExtensionPage } from './sender-check';

interface PopupChannelDeps {
  extensionId: string;
  extensionUrl: string;
  calls: Pick<CallRegistry, 'claimedName' | 'confirm' | 'confirmParticipant' | 'withdraw' | 'withdrawParticipant'>;
  /** The policy now. */
  settings(): Promise<PolicySnapshot>;
  /** Saves the user's switch; the settings source then pushes the new settings. */
  saveEnabled(enabled: boolean): Promise<void>;
  /** Fetches the tenant policy document now; resolves when done. */
  refreshPolicy(): Promise<void>;
  contacts: Pick<ContactsLike, 'add'>;
  /** The origin of a connected frame of the tab (bridge-channel.ts). */
  originOf(tabId: number, frameId?: number): string | undefined;
  /** Sends the tab's view to its popups (tab-views.ts); `answering`: the popup whose "Refresh" it answers. */
  refresh(tabId: number, answering?: PortLike): void;
  /** Saves the user's display name (answering the port with a failure if refused). */
  setDisplayName(port: PortLike, name: string): Promise<boolean>;
  track(promise: Promise<unknown>): void;
  warn(message: string, error?: unknown): void;
}

interface PopupChannel {
  connect(port: PortLike): void;
  /** The open popups, and the tab each watches (undefined until it says). */
  popups(): Iterable<[PortLike, number | undefined]>;
  /** The tabs open popups watch (a tab twice if two popups watch it). */
  watchedTabs(): number[];
}

export function createPopupChannel(deps: PopupChannelDeps): PopupChannel {
  const popups = new Map<PortLike, number | undefined>();
  const fail = (port: PortLike, code: PopupFailureCode, message = failureMessage(code)): void => {
    const failure: BackgroundToPopup = { kind: 'failed', code, message };
    postQuietly(port, failure);
  };

  /**
   * "Codes match": refused (`changed`) while E2EE is off at the frame's origin; the typed name is checked before the
   * call is confirmed, so a refused name leaves the call as it was; then `confirm` says which identity to store (with
   * the name it claimed, and how to take back what it remembered should storing fail), or nothing when what the user
   * saw is no longer current.
   */
  async function verifyContact(
    port: PortLike,
    tabId: number,
    frameId: number,
    contactName: string | undefined,
    changed: PopupFailureCode,
    confirm: () => { key: string; claimed: string | undefined; withdraw?: () => void } | undefined,
  ): Promise<void> {
    const origin = deps.originOf(tabId, frameId);
    const enabled = origin !== undefined && (await deps.settings()).settingsFor(origin)?.page.enabled === true;
    const typed = normalizeDisplayName(contactName ?? '');
    if (!enabled) {
      fail(port, changed);
    } else if ('problem' in typed) {
      fail(port, 'name-invalid', nameProblemMessage(typed.problem));
    } else {
      const confirmed = confirm();
      if (confirmed === undefined) fail(port, changed);
      else {
        await deps.contacts.add(confirmed.key, typed.name, confirmed.claimed).catch((error: unknown) => {
          deps.warn('could not store a verified peer', error);
          // "Could not remember that the codes match": the call goes back to what it showed before.
          confirmed.withdraw?.();
          fail(port, 'verify-failed');
        });
      }
    }
    deps.refresh(tabId);
  }

  async function handle(port: PortLike, message: PopupToBackground): Promise<void> {
    switch (message.kind) {
      case 'watch':
        popups.set(port, message.tabId);
        deps.refresh(message.tabId);
        return;
      case 'set-enabled': {
        const tabId = popups.get(port);
        const tab = (await deps.settings()).tabPolicy(tabId === undefined ? undefined : deps.originOf(tabId));
        if (!tab.canToggle) return fail(port, 'policy');
        await deps.saveEnabled(message.enabled); // The settings source then pushes the new settings.
        return;
      }
      case 'refresh-policy': {
        try {
          await deps.refreshPolicy();
        } finally {
          // Every refresh is answered with a view marked as its answer, even one that changed nothing or failed (the
          // failure is warned about): the popup's button shows "Refreshing…" until then (views pushed meanwhile, e.g.
          // the call's counters, do not end it).
          const tabId = popups.get(port);
          if (tabId !== undefined) deps.refresh(tabId, port);
        }
        return;
      }
      case 'mark-verified': {
        const { kind: _kind, contactName, ...shown } = message;
        // Only what the user saw, and only while it is still the frame's current call.
        const claimed = deps.calls.claimedName(shown);
        await verifyContact(port, shown.tabId, shown.frameId, contactName, 'call-changed', () =>
          deps.calls.confirm(shown)
            ? { key: shown.peerIdentityPublicKey, claimed, withdraw: () => deps.calls.withdraw(shown) }
            : undefined,
        );
        return;
      }
      case 'mark-participant-verified': {
        const { kind: _kind, contactName, ...shown } = message;
        // Only an identity the frame's current report lists, with the code the user compared.
        await verifyContact(port, shown.tabId, shown.frameId, contactName, 'participant-changed', () => {
          const listed = deps.calls.confirmParticipant(shown);
          return listed && { key: listed.peerIdentityPublicKey, claimed: listed.peerName, withdraw: () => deps.calls.withdrawParticipant(shown) };
        });
        return;
      }
      case 'set-display-name':
        await deps.setDisplayName(port, message.name);
        return;
    }
  }

  return {
    connect(port) {
      if (!isOwnExtensionPage(port.sender, deps.extensionId, deps.extensionUrl)) return port.disconnect();
      popups.set(port, undefined);
      const enqueue = serialQueue(deps.track, (error) => deps.warn('popup request failed', error));
      port.onMessage.addListener((message) => {
        if (isPopupToBackground(message)) enqueue(() => handle(port, message));
      });
      port.onDisconnect.addListener(() => popups.delete(port));
    },
    popups: () => popups.entries(),
    watchedTabs: () => [...popups.values()].filter((tabId): tabId is number => tabId !== undefined),
  };
}
