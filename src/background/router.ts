/**
 * The background's message router (protocol.md §7.4): bridges and popups connect on runtime ports, and every message
 * is a claim to check before it changes anything. Bridges are checked once (sender-check.ts), their messages by shape
 * (messages.ts) and by possibility (the call registry); signatures go only to a frame with a running call, within
 * the tab's and origin's budget, and only while E2EE is on — the identity is not even made before that.
 *
 * Everything the browser provides comes in through `RouterDeps` (ports, clock, storage, toolbar), so the unit tests
 * drive the real rules with fakes; index.ts wires the real browser. Messages of one port are handled one after the
 * other, in order, and the toolbar and popups are refreshed one tab at a time, so an older view never overwrites a
 * newer one.
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
import { FAILURE_MESSAGES } from '../shared/status-text';
import { CallRegistry } from './call-registry';
import { identityFingerprint } from './fingerprint';
import { LazyIdentity, type IdentityStore } from './identity';
import type { EffectiveSettings } from './policy';
import { hasPair } from './report-rules';
import { bridgeSenderOf, isOwnExtensionPage, type BridgeSender, type SenderLike } from './sender-check';
import { SigningBudgets } from './signing-budget';

export type { SenderLike } from './sender-check';

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The part of a runtime port the router uses (webextension-polyfill's `Runtime.Port` fits). */
export interface PortLike {
  readonly name: string;
  readonly sender?: SenderLike | undefined;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(callback: (message: unknown) => void): void };
  onDisconnect: { addListener(callback: () => void): void };
}

export interface RouterDeps {
  extensionId: string;
  /** The extension's base URL, `chrome-extension://<id>/`. */
  extensionUrl: string;
  clock: Clock;
  settings: { load(): Promise<EffectiveSettings>; saveEnabled(enabled: boolean): Promise<void> };
  identityStore: IdentityStore;
  verifiedPeers: { has(key: string): boolean; add(key: string): Promise<void>; ready?(): Promise<void> };
  toolbar: { show(tabId: number, status: TabCallStatus): Promise<void> };
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
}

const frameKey = (tabId: number, frameId: number): string => `${tabId}:${frameId}`;

export function createRouter(deps: RouterDeps): BackgroundRouter {
  const { clock } = deps;
  const warn = deps.warn ?? (() => {});
  const calls = new CallRegistry(() => clock.now());
  const budgets = new SigningBudgets(() => clock.now());
  const identity = new LazyIdentity(deps.identityStore);
  let settings = deps.settings.load();

  /** The connection that speaks for each frame now; an older one (a document being replaced) is not listened to. */
  const frameOwners = new Map<string, BridgeClient>();
  const popups = new Map<PortLike, number | undefined>();
  const onToolbar = new Map<number, string>();
  const expiryTimers = new Map<number, unknown>();
  const work = new Set<Promise<unknown>>();
  let refreshes: Promise<void> = Promise.resolve();

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

  function refresh(tabId: number): void {
    refreshes = refreshes.then(() => refreshNow(tabId)).catch((error: unknown) => warn('refresh failed', error));
    track(refreshes);
  }

  async function refreshNow(tabId: number): Promise<void> {
    const { page, canToggle, policyNote } = await settings;
    await deps.verifiedPeers.ready?.().catch(() => undefined);
    const status = calls.status(tabId, {
      enabled: page.enabled,
      failClosed: page.enabled && !page.allowPlaintextFallback,
      isVerifiedPeer: (key) => deps.verifiedPeers.has(key),
    });
    scheduleExpiry(tabId);
    const toolbarKey = `${status.state}|${status.detail ?? ''}`;
    if (onToolbar.get(tabId) !== toolbarKey) {
      onToolbar.set(tabId, toolbarKey);
      // The toolbar must never keep the popup from updating.
      await deps.toolbar.show(tabId, status).catch((error: unknown) => {
        onToolbar.delete(tabId);
        warn('toolbar update failed', error);
      });
    }
    const view: PopupView = { tabId, status, enabled: page.enabled, canToggle };
    if (policyNote) view.policyNote = policyNote;
    for (const [port, watched] of popups) if (watched === tabId) post(port, { kind: 'view', view });
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

  async function settingsMessage(): Promise<BackgroundToPage> {
    const { page } = await settings;
    // While E2EE is off no identity is made, and none is sent.
    const identityPublicKey = page.enabled ? bytesToBase64((await identity.get()).publicKey) : null;
    return { kind: 'settings', settings: page, identityPublicKey };
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
        post(client.port, await settingsMessage());
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
    if (!(await settings).page.enabled) return 'disabled';
    if (!calls.hasRunningCall(client.tabId, client.frameId)) return 'no-call';
    const bytes = base64ToBytes(input);
    if (!bytes) return 'malformed-input';
    if (!budgets.take(client.tabId, client.origin)) return 'rate-limited';
    try {
      const signature = await (await identity.get()).sign(bytes);
      post(client.port, { kind: 'signed', requestId, signature: bytesToBase64(signature) });
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

  const fail = (port: PortLike, code: PopupFailureCode): void =>
    post(port, { kind: 'failed', code, message: FAILURE_MESSAGES[code] });

  async function onPopupMessage(port: PortLike, message: PopupToBackground): Promise<void> {
    switch (message.kind) {
      case 'watch':
        popups.set(port, message.tabId);
        refresh(message.tabId);
        return;
      case 'set-enabled':
        if (!(await settings).canToggle) return fail(port, 'policy');
        await deps.settings.saveEnabled(message.enabled); // storage.onChanged pushes the new settings everywhere.
        return;
      case 'mark-verified': {
        const { kind: _kind, ...shown } = message;
        // Only what the user saw, and only while it is still the frame's current call.
        if (!(await settings).page.enabled || !calls.confirm(shown)) {
          fail(port, 'call-changed');
        } else {
          await deps.verifiedPeers.add(shown.peerIdentityPublicKey).catch((error: unknown) => {
            warn('could not store a verified peer', error);
            fail(port, 'verify-failed');
          });
        }
        refresh(message.tabId);
        return;
      }
    }
  }

  // ---- The router --------------------------------------------------------------------------------------------

  return {
    connect(port) {
      if (port.name === BRIDGE_PORT) return connectBridge(port);
      if (port.name === POPUP_PORT) return connectPopup(port);
      port.disconnect();
    },

    settingsChanged() {
      settings = deps.settings.load();
      track(
        (async () => {
          const message = await settingsMessage();
          for (const client of frameOwners.values()) post(client.port, message);
          const watched = [...popups.values()].filter((t): t is number => t !== undefined);
          for (const tabId of new Set([...calls.tabIds(), ...watched])) refresh(tabId);
        })(),
      );
    },

    tabRemoved(tabId) {
      calls.forgetTab(tabId);
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
