/**
 * The background's message router (protocol.md §7.4): bridges and popups connect on runtime ports, and every message
 * is a claim to check before it changes anything. Bridges are checked once (sender-check.ts), their messages by shape
 * (messages.ts) and by possibility (the call registry); signatures go only to a frame with a running call, within
 * the tab's and origin's budget, and only while E2EE is on — the identity is not even made before that.
 *
 * Settings are decided per frame, by the frame's origin (the bridge sender's `origin`: a tenant policy may limit
 * CallSeal to call sites), and pushed to every open bridge whenever they change — a policy change reaches a call in
 * progress without a reload. While a policy may still be on its way, a bridge gets no settings at all: its transform
 * worker then drops every frame (protocol.md §7.3, §10) until the policy arrives.
 *
 * Everything the browser provides comes in through `RouterDeps` (ports, clock, storage, toolbar), so the unit tests
 * drive the real rules with fakes; index.ts wires the real browser. Messages of one port are handled one after the
 * other, in order, and the toolbar and popups are refreshed one tab at a time, so an older view never overwrites a
 * newer one; settings pushes are serialized the same way.
 */
import { base64ToBytes, bytesToBase64 } from '../shared/base64';
import type { TabCallStatus } from '../shared/call-status';
import {
  BRIDGE_PORT,
  isPageToBackground,
  isPopupToBackground,
  malformedSignRequestId,
  POPUP_PORT,
  type BackgroundToPage,
  type BackgroundToPopup,
  type PageToBackground,
  type PopupFailureCode,
  type PopupToBackground,
  type PopupView,
  type SessionReport,
  type SignRefusalCode,
} from '../shared/messages';
import { encodeDisplayNameExtension, normalizeDisplayName } from '../e2ee/display-name';
import { OPTIONS_PORT } from '../shared/options-messages';
import { failureMessage, nameProblemMessage } from '../shared/status-text';
import { CallRegistry } from './call-registry';
import type { ContactsLike } from './contacts';
import { identityFingerprint } from '../e2ee/security-code';
import { LazyIdentity, type IdentityStore } from './identity';
import { connectOptionsPage, type OptionsChannel } from './options-channel';
import type { ProfileStore } from './profile';
import type { FrameSettings, PolicySnapshot } from './policy';
import { hasPair } from './report-rules';
import type { PortLike } from './ports';
import { bridgeSenderOf, isOwnExtensionPage, type BridgeSender } from './sender-check';
import { SigningBudgets } from './signing-budget';

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RouterDeps {
  extensionId: string;
  /** The extension's base URL, `chrome-extension://<id>/`. */
  extensionUrl: string;
  clock: Clock;
  settings: {
    /** The policy now (resolves once stored state is read; may be held). */
    load(): Promise<PolicySnapshot>;
    saveEnabled(enabled: boolean): Promise<void>;
    /** Fetch the tenant policy document now (the popup's "Refresh"); resolves when done. */
    refresh(): Promise<void>;
  };
  identityStore: IdentityStore;
  /** The user's contacts (contacts.ts): verified identity keys, by key and by name. */
  verifiedPeers: ContactsLike;
  /** The user's own display name (profile.ts); none without it. */
  profile?: ProfileStore;
  toolbar: { show(tabId: number, status: TabCallStatus): Promise<void> };
  /** Raises a browser notification for a tab's warning (notifications.ts); called once per warning. */
  notify?(tabId: number, status: TabCallStatus): void;
  /** Operational problems (never keys or page content). */
  warn?(message: string, error?: unknown): void;
}

export interface BackgroundRouter {
  connect(port: PortLike): void;
  /** The user's switch or the admin's policy changed. */
  settingsChanged(): void;
  tabRemoved(tabId: number): void;
  /** Resolves once everything started so far (messages, refreshes, timers that fired) has finished. For tests. */
  settled(): Promise<void>;
}

interface BridgeClient extends BridgeSender {
  port: PortLike;
  queue: Promise<void>;
  /** The last settings message posted here (JSON), so a push that changes nothing for this frame is not sent. */
  lastSettings?: string;
}

const frameKey = (tabId: number, frameId: number): string => `${tabId}:${frameId}`;

export function createRouter(deps: RouterDeps): BackgroundRouter {
  const { clock } = deps;
  const warn = deps.warn ?? (() => {});
  const calls = new CallRegistry(() => clock.now());
  const budgets = new SigningBudgets(() => clock.now());
  const identity = new LazyIdentity(deps.identityStore);
  const profile: ProfileStore = deps.profile ?? { load: async () => '', save: async () => undefined };
  let settings = deps.settings.load();
  /** Warnings already notified: tab|frame|session|warning|peer key. */
  const notified = new Set<string>();

  /** The connection that speaks for each frame now; an older one (a document being replaced) is not listened to. */
  const frameOwners = new Map<string, BridgeClient>();
  const popups = new Map<PortLike, number | undefined>();
  const onToolbar = new Map<number, string>();
  const expiryTimers = new Map<number, unknown>();
  const work = new Set<Promise<unknown>>();
  let refreshes: Promise<void> = Promise.resolve();
  let pushes: Promise<void> = Promise.resolve();

  function track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => warn('background task failed', error));
    work.add(tracked);
    void tracked.finally(() => work.delete(tracked));
  }

  const post = (port: PortLike, message: BackgroundToPage | BackgroundToPopup): void => {
    try {
      port.postMessage(message);
    } catch {
      // The other end went away meanwhile; its onDisconnect cleans up.
    }
  };

  // ---- Status: toolbar and popups ------------------------------------------------------------------------

  /** Sends the tab's view to its popups; `answering`: the popup port whose "Refresh" this view answers. */
  function refresh(tabId: number, answering?: PortLike): void {
    refreshes = refreshes.then(() => refreshNow(tabId, answering)).catch((error: unknown) => warn('refresh failed', error));
    track(refreshes);
  }

  /** The origin of a connected frame of the tab: `frameId` if given and connected, else the top frame, else any. */
  function originOf(tabId: number, frameId?: number): string | undefined {
    if (frameId !== undefined) {
      const client = frameOwners.get(frameKey(tabId, frameId));
      if (client) return client.origin;
    }
    let found: BridgeClient | undefined;
    for (const client of frameOwners.values()) {
      if (client.tabId !== tabId) continue;
      if (!found || client.frameId < found.frameId) found = client;
    }
    return found?.origin;
  }

  async function refreshNow(tabId: number, answering?: PortLike): Promise<void> {
    const snapshot = await settings;
    await deps.verifiedPeers.ready?.().catch(() => undefined);
    const statusFor = (origin: string | undefined) => {
      const tab = snapshot.tabPolicy(origin);
      const status = calls.status(tabId, {
        ...tab.status,
        isVerifiedPeer: (key) => deps.verifiedPeers.has(key),
        contactOf: (key) => deps.verifiedPeers.get?.(key),
        contactNamed: (name) => deps.verifiedPeers.named?.(name),
      });
      return { tab, status };
    };
    // Judged by the top frame's origin first; if the call shown is another frame's, by that frame's origin.
    let origin = originOf(tabId);
    let { tab, status } = statusFor(origin);
    const shownOrigin = status.frameId === undefined ? origin : originOf(tabId, status.frameId);
    if (shownOrigin !== origin) {
      origin = shownOrigin;
      ({ tab, status } = statusFor(origin));
    }
    scheduleExpiry(tabId);
    notifyWarning(tabId, status);
    const toolbarKey = [status.state, status.detail, status.warning, status.warningName, status.contact?.name].join('|');
    if (onToolbar.get(tabId) !== toolbarKey) {
      onToolbar.set(tabId, toolbarKey);
      // The toolbar must never keep the popup from updating.
      await deps.toolbar.show(tabId, status).catch((error: unknown) => {
        onToolbar.delete(tabId);
        warn('toolbar update failed', error);
      });
    }
    const view: PopupView = { tabId, status, enabled: tab.enabled, canToggle: tab.canToggle, policy: tab.policy };
    view.displayName = await profile.load().catch(() => '');
    for (const [port, watched] of popups) {
      if (watched !== tabId) continue;
      post(port, port === answering ? { kind: 'view', view, answers: 'refresh-policy' } : { kind: 'view', view });
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
      warn('notification failed', error);
    }
  }

  /** Reports expire without a message: refresh the tab when its next one does. */
  function scheduleExpiry(tabId: number): void {
    const previous = expiryTimers.get(tabId);
    if (previous !== undefined) clock.clearTimeout(previous);
    expiryTimers.delete(tabId);
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

  // ---- Bridges ----------------------------------------------------------------------------------------------

  async function frameSettings(client: BridgeSender): Promise<FrameSettings | undefined> {
    return (await settings).settingsFor(client.origin);
  }

  /** The frame's settings message; undefined while the policy is held (the frame then gets nothing yet). */
  async function settingsMessage(client: BridgeSender): Promise<BackgroundToPage | undefined> {
    const decided = await frameSettings(client);
    if (!decided) return undefined;
    const { page } = decided;
    // While E2EE is off no identity is made, and none is sent.
    const identityPublicKey = page.enabled ? bytesToBase64((await identity.get()).publicKey) : null;
    return { kind: 'settings', settings: page, identityPublicKey };
  }

  /** Sends the frame its settings: always when it asks (`attach`), on a push only when they changed for it. */
  async function sendSettings(client: BridgeClient, onlyIfChanged: boolean): Promise<void> {
    const message = await settingsMessage(client);
    if (!message) return;
    const text = JSON.stringify(message);
    if (onlyIfChanged && text === client.lastSettings) return;
    client.lastSettings = text;
    post(client.port, message);
  }

  function connectBridge(port: PortLike): void {
    const sender = bridgeSenderOf(port.sender, deps.extensionId);
    if (!sender) return port.disconnect();
    const client: BridgeClient = { ...sender, port, queue: Promise.resolve() };
    const key = frameKey(client.tabId, client.frameId);
    if (frameOwners.has(key)) {
      // A new document (or connection) in the same frame: the old one's claims end here.
      calls.forgetFrame(client.tabId, client.frameId);
      refresh(client.tabId);
    }
    frameOwners.set(key, client);
    const speaksForFrame = (): boolean => frameOwners.get(key) === client;
    port.onMessage.addListener((message) => {
      if (!speaksForFrame()) return;
      // Checked again when its turn comes: a newer connection may have taken the frame over meanwhile.
      client.queue = client.queue.then(() => (speaksForFrame() ? onBridgeMessage(client, message) : undefined));
      track(client.queue);
    });
    port.onDisconnect.addListener(() => {
      if (!speaksForFrame()) return;
      frameOwners.delete(key);
      calls.forgetFrame(client.tabId, client.frameId);
      refresh(client.tabId);
    });
  }

  async function onBridgeMessage(client: BridgeClient, message: unknown): Promise<void> {
    if (!isPageToBackground(message)) {
      const requestId = malformedSignRequestId(message);
      if (requestId !== undefined) post(client.port, { kind: 'sign-refused', requestId, code: 'malformed-input' });
      return;
    }
    await handleBridgeMessage(client, message);
  }

  async function handleBridgeMessage(client: BridgeClient, message: PageToBackground): Promise<void> {
    switch (message.kind) {
      case 'attach':
        // While the policy is held nothing is sent: the push when it arrives answers this attach.
        await sendSettings(client, false);
        return;
      case 'sign': {
        const code = await sign(client, message.requestId, message.input);
        if (code) post(client.port, { kind: 'sign-refused', requestId: message.requestId, code });
        return;
      }
      case 'session':
        calls.report(client.tabId, client.frameId, message.report, await fingerprintOf(message.report));
        refresh(client.tabId);
        return;
      case 'page-error':
        calls.pageError(client.tabId, client.frameId, message.code);
        refresh(client.tabId);
        return;
    }
  }

  /** Signs and answers, or returns why not. */
  async function sign(client: BridgeClient, requestId: number, input: string): Promise<SignRefusalCode | undefined> {
    if (!(await frameSettings(client))?.page.enabled) return 'disabled';
    if (!calls.hasRunningCall(client.tabId, client.frameId)) return 'no-call';
    const bytes = base64ToBytes(input);
    if (!bytes) return 'malformed-input';
    if (!budgets.take(client.tabId, client.origin)) return 'rate-limited';
    try {
      // The background appends the extensions itself: the user's display name, as it is now (protocol.md §4.3).
      const extensions = encodeDisplayNameExtension(await profile.load().catch(() => ''));
      const signature = await (await identity.get()).sign(bytes, extensions);
      post(client.port, {
        kind: 'signed',
        requestId,
        signature: bytesToBase64(signature),
        extensions: bytesToBase64(extensions),
      });
      return undefined;
    } catch (error) {
      warn('signing failed', error instanceof RangeError ? 'bad length' : error);
      return 'sign-failed';
    }
  }

  async function fingerprintOf(report: SessionReport): Promise<string | undefined> {
    if (!hasPair(report.state) || !report.peerIdentityPublicKey) return undefined;
    const key = base64ToBytes(report.peerIdentityPublicKey);
    return key?.length === 32 ? identityFingerprint(key) : undefined;
  }

  // ---- Popups -----------------------------------------------------------------------------------------------

  function connectPopup(port: PortLike): void {
    if (!isOwnExtensionPage(port.sender, deps.extensionId, deps.extensionUrl)) return port.disconnect();
    popups.set(port, undefined);
    let queue: Promise<void> = Promise.resolve();
    port.onMessage.addListener((message) => {
      if (!isPopupToBackground(message)) return;
      queue = queue.then(() => onPopupMessage(port, message));
      track(queue);
    });
    port.onDisconnect.addListener(() => popups.delete(port));
  }

  const fail = (port: PortLike, code: PopupFailureCode, message = failureMessage(code)): void =>
    post(port, { kind: 'failed', code, message });

  /** The user's own display name, from the popup or the options page; false (and a failure posted) if refused. */
  async function setDisplayName(port: PortLike, typed: string): Promise<boolean> {
    const normalized = normalizeDisplayName(typed);
    if ('problem' in normalized) {
      fail(port, 'name-invalid', nameProblemMessage(normalized.problem));
      return false;
    }
    await profile.save(normalized.name);
    refreshWatched();
    options.broadcast();
    return true;
  }

  function refreshWatched(): void {
    for (const tabId of new Set([...popups.values()].filter((t): t is number => t !== undefined))) refresh(tabId);
  }

  /** A new identity key: every open page gets it (a new worker session), so every peer sees the change. */
  async function resetIdentity(): Promise<void> {
    await identity.reset();
    pushSettings();
  }

  /** Sends every frame its settings where they changed, then refreshes what is shown. */
  function pushSettings(): void {
    // One push at a time, each with the settings current when it runs: an older push never lands last.
    pushes = pushes
      .then(async () => {
        for (const client of [...frameOwners.values()]) await sendSettings(client, true);
        const watched = [...popups.values()].filter((t): t is number => t !== undefined);
        for (const tabId of new Set([...calls.tabIds(), ...watched])) refresh(tabId);
      })
      .catch((error: unknown) => warn('settings push failed', error));
    track(pushes);
  }

  const options: OptionsChannel = connectOptionsPage({
    extensionId: deps.extensionId,
    extensionUrl: deps.extensionUrl,
    contacts: deps.verifiedPeers,
    profile,
    identity,
    setDisplayName,
    resetIdentity,
    track,
    warn,
  });
  deps.verifiedPeers.onChange?.(() => {
    for (const tabId of calls.tabIds()) refresh(tabId);
    refreshWatched();
    options.broadcast();
  });

  async function onPopupMessage(port: PortLike, message: PopupToBackground): Promise<void> {
    switch (message.kind) {
      case 'watch':
        popups.set(port, message.tabId);
        refresh(message.tabId);
        return;
      case 'set-enabled': {
        const tabId = popups.get(port);
        const tab = (await settings).tabPolicy(tabId === undefined ? undefined : originOf(tabId));
        if (!tab.canToggle) return fail(port, 'policy');
        await deps.settings.saveEnabled(message.enabled); // The settings source then pushes the new settings.
        return;
      }
      case 'refresh-policy': {
        await deps.settings.refresh();
        const tabId = popups.get(port);
        // Every refresh is answered with a view marked as its answer, even one that changed nothing: the popup's
        // button shows "Refreshing…" until then (views pushed meanwhile, e.g. the call's counters, do not end it).
        if (tabId !== undefined) refresh(tabId, port);
        return;
      }
      case 'mark-verified': {
        const { kind: _kind, contactName, ...shown } = message;
        // Only what the user saw, and only while it is still the frame's current call.
        const claimed = calls.claimedName(shown);
        const origin = originOf(shown.tabId, shown.frameId);
        const enabled = origin !== undefined && (await settings).settingsFor(origin)?.page.enabled === true;
        if (!enabled || !calls.confirm(shown)) {
          fail(port, 'call-changed');
        } else {
          const typed = normalizeDisplayName(contactName ?? '');
          if ('problem' in typed) {
            fail(port, 'name-invalid', nameProblemMessage(typed.problem));
          } else {
            await deps.verifiedPeers.add(shown.peerIdentityPublicKey, typed.name, claimed).catch((error: unknown) => {
              warn('could not store a verified peer', error);
              fail(port, 'verify-failed');
            });
          }
        }
        refresh(message.tabId);
        return;
      }
      case 'set-display-name':
        await setDisplayName(port, message.name);
        return;
    }
  }

  // ---- The router --------------------------------------------------------------------------------------------

  return {
    connect(port) {
      if (port.name === BRIDGE_PORT) return connectBridge(port);
      if (port.name === POPUP_PORT) return connectPopup(port);
      if (port.name === OPTIONS_PORT) return options.connect(port);
      port.disconnect();
    },

    settingsChanged() {
      settings = deps.settings.load();
      pushSettings();
    },

    tabRemoved(tabId) {
      calls.forgetTab(tabId);
      for (const key of [...notified]) if (key.startsWith(`${tabId}|`)) notified.delete(key);
      budgets.forgetTab(tabId);
      onToolbar.delete(tabId);
      const timer = expiryTimers.get(tabId);
      if (timer !== undefined) clock.clearTimeout(timer);
      expiryTimers.delete(tabId);
      for (const [key, client] of frameOwners) if (client.tabId === tabId) frameOwners.delete(key);
    },

    async settled() {
      while (work.size > 0) await Promise.allSettled([...work]);
    },
  };
}
