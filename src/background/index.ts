/**
 * The background service worker: keeps the identity key, signs hellos, holds the user's switch, and alone decides
 * what the toolbar and the popup show for each tab. Every message from a page is a claim: the sender is checked
 * (a tab's frame, http(s) or a frame that inherits such an origin), its shape is checked, and state changes must
 * be possible from the current state.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { identityFingerprint } from '../e2ee/security-code';
import { base64ToBytes, bytesToBase64 } from '../shared/base64';
import {
  BRIDGE_PORT,
  isPageToBackground,
  isPopupToBackground,
  POPUP_PORT,
  type BackgroundToPage,
  type BackgroundToPopup,
  type PageToBackground,
  type PopupToBackground,
  type PopupView,
} from '../shared/messages';
import { CallRegistry } from './call-registry';
import { openDatabase } from './database';
import { databaseIdentityStore, Identity } from './identity';
import { SigningBudget } from './signing-budget';
import { loadSettings, onSettingsChanged, saveEnabled, type EffectiveSettings } from './settings';
import { showTabStatus } from './toolbar';
import { VerifiedPeers } from './verified-peers';

const db = openDatabase();
let identityPromise: Promise<Identity> | undefined;
const identity = (): Promise<Identity> => (identityPromise ??= Identity.loadOrCreate(databaseIdentityStore(db)));
const verified = new VerifiedPeers(db);
const calls = new CallRegistry();
let settings: Promise<EffectiveSettings> = loadSettings();

interface BridgeClient {
  port: Runtime.Port;
  tabId: number;
  frameId: number;
  budget: SigningBudget;
}
const bridges = new Set<BridgeClient>();
const popups = new Map<Runtime.Port, number | undefined>();
/** What each tab's toolbar icon shows now, so reports that change only counters do not redraw it. */
const shownOnToolbar = new Map<number, string>();

async function settingsMessage(): Promise<BackgroundToPage> {
  const [current, id] = await Promise.all([settings, identity()]);
  return { kind: 'settings', settings: current.page, identityPublicKey: bytesToBase64(id.publicKey) };
}

async function refreshTab(tabId: number): Promise<void> {
  const { page, canToggle, policyNote } = await settings;
  const status = calls.status(tabId, page.enabled, (key) => verified.has(key));
  const toolbarKey = `${status.state}|${status.detail ?? ''}`;
  if (shownOnToolbar.get(tabId) !== toolbarKey) {
    shownOnToolbar.set(tabId, toolbarKey);
    // The toolbar must never keep the popup from updating.
    await showTabStatus(tabId, status).catch((error: unknown) => {
      shownOnToolbar.delete(tabId);
      console.warn('CallSeal: toolbar update failed', error);
    });
  }
  const view: PopupView = { tabId, status, enabled: page.enabled, canToggle };
  if (policyNote) view.policyNote = policyNote;
  for (const [port, watched] of popups) {
    if (watched === tabId) sendToPopup(port, { kind: 'view', view });
  }
}

function sendToPopup(port: Runtime.Port, message: BackgroundToPopup): void {
  port.postMessage(message);
}

async function onPageMessage(client: BridgeClient, message: PageToBackground): Promise<void> {
  const reply = (m: BackgroundToPage): void => client.port.postMessage(m);
  switch (message.kind) {
    case 'attach':
      reply(await settingsMessage());
      return;
    case 'sign-hello': {
      const refuse = (code: string, text: string): void =>
        reply({ kind: 'hello-refused', requestId: message.requestId, code, message: text });
      if (!(await settings).page.enabled) return refuse('disabled', 'End-to-end encryption is off.');
      if (!client.budget.take()) return refuse('rate-limited', 'Too many hellos to sign; try again shortly.');
      const body = base64ToBytes(message.body);
      if (!body) return refuse('malformed-hello', 'The hello is not valid base64.');
      try {
        const signature = await (await identity()).signHello(body);
        reply({ kind: 'hello-signed', requestId: message.requestId, signature: bytesToBase64(signature) });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        refuse(typeof code === 'string' ? code : 'sign-failed', 'The hello was refused.');
      }
      return;
    }
    case 'session': {
      const key = message.report.peerIdentityPublicKey;
      const keyBytes = key ? base64ToBytes(key) : null;
      const fingerprint = keyBytes?.length === 32 ? await identityFingerprint(keyBytes) : undefined;
      calls.report(client.tabId, client.frameId, message.report, fingerprint);
      await refreshTab(client.tabId);
      return;
    }
    case 'page-error':
      calls.error(client.tabId, client.frameId, message.code, message.message);
      await refreshTab(client.tabId);
      return;
  }
}

/** A bridge port must come from a content script in a tab's frame of a web page. */
function bridgeClientOf(port: Runtime.Port): BridgeClient | undefined {
  const { sender } = port;
  const tabId = sender?.tab?.id;
  const frameId = sender?.frameId;
  if (sender?.id !== browser.runtime.id || tabId === undefined || frameId === undefined) return undefined;
  const url = sender.url ?? '';
  if (!/^(https?:|about:|blob:|data:)/.test(url)) return undefined;
  return { port, tabId, frameId, budget: new SigningBudget() };
}

function isOwnExtensionPage(port: Runtime.Port): boolean {
  return port.sender?.id === browser.runtime.id && (port.sender.url ?? '').startsWith(browser.runtime.getURL(''));
}

browser.runtime.onConnect.addListener((port) => {
  if (port.name === BRIDGE_PORT) {
    const client = bridgeClientOf(port);
    if (!client) return port.disconnect();
    bridges.add(client);
    port.onMessage.addListener((message: unknown) => {
      if (isPageToBackground(message)) void onPageMessage(client, message);
    });
    port.onDisconnect.addListener(() => {
      bridges.delete(client);
      calls.forgetFrame(client.tabId, client.frameId);
      void refreshTab(client.tabId);
    });
    return;
  }
  if (port.name === POPUP_PORT && isOwnExtensionPage(port)) {
    popups.set(port, undefined);
    port.onMessage.addListener((message: unknown) => {
      if (isPopupToBackground(message)) void onPopupMessage(port, message);
    });
    port.onDisconnect.addListener(() => popups.delete(port));
    return;
  }
  port.disconnect();
});

async function onPopupMessage(port: Runtime.Port, message: PopupToBackground): Promise<void> {
  switch (message.kind) {
    case 'watch':
      popups.set(port, message.tabId);
      await refreshTab(message.tabId);
      return;
    case 'set-enabled':
      if (!(await settings).canToggle) {
        sendToPopup(port, { kind: 'failed', code: 'policy', message: 'Your organization manages this setting.' });
        return;
      }
      await saveEnabled(message.enabled);
      return; // storage.onChanged pushes the new settings everywhere.
    case 'mark-verified': {
      const peer = calls.peerIdentity(message.tabId);
      if (!peer) {
        sendToPopup(port, { kind: 'failed', code: 'no-encrypted-call', message: 'There is no encrypted call to verify.' });
        return;
      }
      await verified.add(peer);
      await refreshTab(message.tabId);
      return;
    }
  }
}

onSettingsChanged(() => {
  settings = loadSettings();
  void (async () => {
    const message = await settingsMessage();
    for (const client of bridges) client.port.postMessage(message);
    const tabIds = new Set([...calls.tabIds(), ...[...popups.values()].filter((t): t is number => t !== undefined)]);
    for (const tabId of tabIds) await refreshTab(tabId);
  })();
});

browser.tabs.onRemoved.addListener((tabId) => {
  calls.forgetTab(tabId);
  shownOnToolbar.delete(tabId);
});

void verified.ready().catch((error: unknown) => console.error('CallSeal: could not read verified peers', error));
