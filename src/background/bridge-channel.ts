/**
 * The bridges' runtime ports (BRIDGE_PORT; protocol.md §7.4, "What the background believes"): which connection
 * speaks for a frame, and what a frame's messages may change. A bridge is admitted once, by its sender
 * (sender-check.ts: our own content script, in a tab's frame, with an origin that agrees with the frame's URL); each
 * message is then checked by shape (message-checks.ts) and by possibility (the call registry). Only the newest connection
 * of a frame is listened to: a new document's bridge ends the old one's claims, and what the old one sent but was
 * not yet handled is dropped. Messages of one connection are handled one after the other, in order; one whose
 * handling fails (storage, the identity) is warned about, and the ones after it are still handled.
 *
 * Settings are decided per frame, by the frame's origin (a tenant policy may limit CallSeal to call sites): a frame
 * gets them when it asks (`attach`) and on every push where they changed for it. While a policy may still be on its
 * way it gets none, and its transform worker drops every frame (§7.3, §10) until the policy arrives. The identity
 * public key goes with them only while E2EE is on. Sign requests are answered by the signing gate (signing-gate.ts).
 */
import { base64ToBytes, bytesToBase64 } from '../shared/base64';
import type { BackgroundToPage, PageToBackground, SessionReport } from '../shared/messages';
import { isPageToBackground, malformedSignRequestId } from '../shared/message-checks';
import { identityFingerprint } from '../e2ee/security-code';
import type { CallRegistry } from './call-registry';
import type { LazyIdentity } from './identity';
import type { FrameSettings, PolicySnapshot } from './policy';
import { postQuietly, serialQueue, type PortLike } from './ports';
import { hasPair } from './report-rules';
import { bridgeSenderOf, type BridgeSender } from './sender-check';
import type { SigningGate } from './signing-gate';

interface BridgeChannelDeps {
  extensionId: string;
  calls: Pick<CallRegistry, 'forgetFrame' | 'report' | 'pageError'>;
  /** The policy now. */
  settings(): Promise<PolicySnapshot>;
  identity: Pick<LazyIdentity, 'get'>;
  signing: Pick<SigningGate, 'answer'>;
  /** What the tab shows may have changed: refresh its toolbar and popups. */
  refresh(tabId: number): void;
  track(promise: Promise<unknown>): void;
  warn(message: string, error?: unknown): void;
}

interface BridgeChannel {
  connect(port: PortLike): void;
  /** The origin of a connected frame of the tab: `frameId` if given and connected, else the top frame, else any. */
  originOf(tabId: number, frameId?: number): string | undefined;
  /** Sends every connected frame its settings where they changed for it, one frame after the other. */
  pushSettings(): Promise<void>;
  /** The tab was closed: its connections speak for nothing any more. */
  forgetTab(tabId: number): void;
}

interface BridgeClient extends BridgeSender {
  port: PortLike;
  /** The last settings message posted here (JSON), so a push that changes nothing for this frame is not sent. */
  lastSettings?: string;
}

const frameKey = (tabId: number, frameId: number): string => `${tabId}:${frameId}`;

export function createBridgeChannel(deps: BridgeChannelDeps): BridgeChannel {
  const { calls } = deps;
  /** The connection that speaks for each frame now; an older one (a document being replaced) is not listened to. */
  const frameOwners = new Map<string, BridgeClient>();
  const post = (port: PortLike, message: BackgroundToPage): void => postQuietly(port, message);

  /** The frame's settings message; undefined while the policy is held (the frame then gets nothing yet). */
  async function settingsMessage(client: BridgeSender): Promise<BackgroundToPage | undefined> {
    const decided: FrameSettings | undefined = (await deps.settings()).settingsFor(client.origin);
    if (!decided) return undefined;
    const { page } = decided;
    // While E2EE is off no identity is made, and none is sent.
    const identityPublicKey = page.enabled ? bytesToBase64((await deps.identity.get()).publicKey) : null;
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

  function connect(port: PortLike): void {
    const sender = bridgeSenderOf(port.sender, deps.extensionId);
    if (!sender) return port.disconnect();
    const client: BridgeClient = { ...sender, port };
    const key = frameKey(client.tabId, client.frameId);
    if (frameOwners.has(key)) {
      // A new document (or connection) in the same frame: the old one's claims end here.
      calls.forgetFrame(client.tabId, client.frameId);
      deps.refresh(client.tabId);
    }
    frameOwners.set(key, client);
    const speaksForFrame = (): boolean => frameOwners.get(key) === client;
    const enqueue = serialQueue(deps.track, (error) => deps.warn('bridge message failed', error));
    port.onMessage.addListener((message) => {
      if (!speaksForFrame()) return;
      // Checked again when its turn comes: a newer connection may have taken the frame over meanwhile.
      enqueue(async () => (speaksForFrame() ? onMessage(client, message) : undefined));
    });
    port.onDisconnect.addListener(() => {
      if (!speaksForFrame()) return;
      frameOwners.delete(key);
      calls.forgetFrame(client.tabId, client.frameId);
      deps.refresh(client.tabId);
    });
  }

  async function onMessage(client: BridgeClient, message: unknown): Promise<void> {
    if (!isPageToBackground(message)) {
      const requestId = malformedSignRequestId(message);
      if (requestId !== undefined) post(client.port, { kind: 'sign-refused', requestId, code: 'malformed-input' });
      return;
    }
    await handle(client, message);
  }

  async function handle(client: BridgeClient, message: PageToBackground): Promise<void> {
    switch (message.kind) {
      case 'attach':
        // While the policy is held nothing is sent: the push when it arrives answers this attach.
        await sendSettings(client, false);
        return;
      case 'sign':
        post(client.port, await deps.signing.answer(client, message.requestId, message.input));
        return;
      case 'session':
        calls.report(client.tabId, client.frameId, message.report, await fingerprintOf(message.report));
        deps.refresh(client.tabId);
        return;
      case 'page-error':
        calls.pageError(client.tabId, client.frameId, message.code);
        deps.refresh(client.tabId);
        return;
    }
  }

  return {
    connect,

    originOf(tabId, frameId) {
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
    },

    async pushSettings() {
      for (const client of [...frameOwners.values()]) await sendSettings(client, true);
    },

    forgetTab(tabId) {
      for (const [key, client] of frameOwners) if (client.tabId === tabId) frameOwners.delete(key);
    },
  };
}

/** The peer identity key's fingerprint (shown in the popup), for a report with a pair and a 32-byte key. */
async function fingerprintOf(report: SessionReport): Promise<string | undefined> {
  if (!hasPair(report.state) || !report.peerIdentityPublicKey) return undefined;
  const key = base64ToBytes(report.peerIdentityPublicKey);
  return key?.length === 32 ? identityFingerprint(key) : undefined;
}
