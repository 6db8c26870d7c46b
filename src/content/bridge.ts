/**
 * The isolated-world bridge (protocol.md §7.2). It takes the hook's one offer at document_start — port A (hook,
 * strings only) and port B (the transform worker) —, puts the URL of the worker's code on port B for the bootstrap
 * worker the hook may start later, and relays between the worker and the background: signing requests, signatures,
 * settings, reports. Bytes are Uint8Arrays on port B and base64 on the runtime port; this
 * world's btoa/atob are its own, out of the page's reach. It checks the shape of every message either way and holds
 * nothing secret.
 *
 * It connects to the background only when the worker attaches or the hook says the page asked for media or cannot
 * run the worker, so ordinary pages never wake the service worker. It tells the hook one bit: whether a page where
 * the transform cannot run must carry no media. If the extension goes away, it tells the worker (`detached`).
 *
 * It uses `chrome.*` directly: every frame of every page loads this script, and webextension-polyfill was 30 of its
 * 37 KB for the two calls it makes (`runtime.connect`, `runtime.id`), which Chrome and Edge have natively.
 */
import { base64ToBytes, bytesToBase64 } from '../shared/base64';
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH } from '../e2ee/constants';
import { isSendableExtensions } from '../e2ee/display-name';
import { BRIDGE_PORT, type BackgroundToPage, type PageToBackground } from '../shared/messages';
import { copySessionReport, isBackgroundToPage } from '../shared/message-checks';
import { isWorkerToBridge, type BridgeToWorker, type HookSignal, type WorkerCode, type WorkerToBridge } from '../shared/worker-messages';
import { TRANSFORM_WORKER_FILE } from '../shared/package-files';
import type { PageSettings } from '../shared/call-status';
import { CHILD_REALM_EVENT, COVERED_MARK, DOCUMENT_START_EVENT, FAIL_CLOSED, FAIL_OPEN, HOOK_OFFER_EVENT, isHookSignal } from './page-channel';

let hookPort: MessagePort | undefined;
let workerPort: MessagePort | undefined;
let background: chrome.runtime.Port | undefined;
/** The background accepted the current port (it answered): worth reconnecting when it drops. */
let backgroundAnswered = false;
/** The extension was updated, disabled or removed: nothing will ever answer again. */
let detached = false;
let workerAttached = false;
/** The worker's code message went out on port B (once). */
let workerCodeSent = false;
let settings: { settings: PageSettings; identityPublicKey: Uint8Array | null } | undefined;

function toWorker(message: BridgeToWorker): void {
  if (workerAttached) workerPort?.postMessage(message);
}

function detach(): void {
  if (detached) return;
  detached = true;
  background = undefined;
  toWorker({ kind: 'detached' });
}

function connect(): chrome.runtime.Port | undefined {
  if (background || detached) return background;
  let port: chrome.runtime.Port;
  try {
    port = chrome.runtime.connect({ name: BRIDGE_PORT });
  } catch {
    detach(); // The extension context is gone.
    return undefined;
  }
  background = port;
  backgroundAnswered = false;
  port.onMessage.addListener((message: unknown) => {
    backgroundAnswered = true;
    if (isBackgroundToPage(message)) fromBackground(message);
  });
  port.onDisconnect.addListener(() => {
    if (background !== port) return;
    background = undefined;
    if (!chrome.runtime?.id) return detach();
    // The service worker restarted: connect again and ask for the settings, so they flow again. (The worker makes
    // good what was lost in between: it reports every second and asks again for a signature it did not get.) A
    // port that never got an answer was refused: no retry loop.
    if (backgroundAnswered) send({ kind: 'attach' });
  });
  port.postMessage({ kind: 'attach' } satisfies PageToBackground);
  return port;
}

function send(message: PageToBackground): void {
  connect()?.postMessage(message);
}

function fromBackground(message: BackgroundToPage): void {
  switch (message.kind) {
    case 'settings': {
      const key = message.identityPublicKey === null ? null : base64ToBytes(message.identityPublicKey);
      if (key !== null && key.length !== ED25519_PUBLIC_KEY_LENGTH) return;
      const { enabled, allowPlaintextFallback, fallbackAfterMs } = message.settings;
      settings = { settings: { enabled, allowPlaintextFallback, fallbackAfterMs }, identityPublicKey: key };
      hookPort?.postMessage(enabled && !allowPlaintextFallback ? FAIL_CLOSED : FAIL_OPEN);
      toWorker({ kind: 'settings', ...settings });
      return;
    }
    case 'signed': {
      const signature = base64ToBytes(message.signature);
      const extensions = base64ToBytes(message.extensions);
      if (signature?.length !== ED25519_SIGNATURE_LENGTH || !isSendableExtensions(extensions)) return;
      toWorker({ kind: 'signed', requestId: message.requestId, signature, extensions });
      return;
    }
    case 'sign-refused':
      toWorker({ kind: 'sign-refused', requestId: message.requestId, code: message.code });
      return;
  }
}

function fromWorker(message: WorkerToBridge): void {
  switch (message.kind) {
    case 'attach':
      if (workerAttached) return;
      workerAttached = true;
      if (detached) return toWorker({ kind: 'detached' });
      if (settings) toWorker({ kind: 'settings', ...settings });
      if (background) send({ kind: 'attach' });
      else connect();
      return;
    case 'sign':
      if (workerAttached) send({ kind: 'sign', requestId: message.requestId, input: bytesToBase64(message.input) });
      return;
    case 'report':
      if (workerAttached) send({ kind: 'session', report: copySessionReport(message.report) });
      return;
  }
}

/**
 * The worker's first message on port B (protocol.md §7.2): where its code is. The URL is the package file's dynamic
 * one, which no page knows; nothing wakes the background. Posted once the page first asks for media or makes a
 * peer connection — the hook says so before it starts the worker — not when the offer is taken: `chrome.runtime`
 * (its bindings are made on first use) and the post cost every page about half a millisecond at its start
 * (docs/benchmarks.md). It waits in the port until the worker starts it.
 */
function sendWorkerCode(): void {
  if (workerCodeSent || !workerPort) return;
  workerCodeSent = true;
  try {
    workerPort.postMessage({ kind: 'code', url: chrome.runtime.getURL(TRANSFORM_WORKER_FILE) } satisfies WorkerCode);
  } catch {
    // The extension context is gone: the worker never gets its code, and carries no media.
  }
}

function fromHook(signal: HookSignal): void {
  switch (signal) {
    case 'media-requested':
      sendWorkerCode();
      connect();
      return;
    case 'worker-blocked':
    case 'unsupported-browser':
    case 'app-transform':
      send({ kind: 'page-error', code: signal });
      return;
  }
}

/** The first offer only, whatever it is: a later one is necessarily the page's. */
function onOffer(event: Event): void {
  document.removeEventListener(HOOK_OFFER_EVENT, onOffer);
  if (!(event instanceof MessageEvent) || event.ports.length !== 2) return;
  const a = event.ports[0];
  const b = event.ports[1];
  if (!(a instanceof MessagePort) || !(b instanceof MessagePort)) return;
  event.preventDefault(); // dispatchEvent returns false: the hook knows the handover happened
  event.stopImmediatePropagation();
  hookPort = a;
  workerPort = b;
  a.onmessage = (m: MessageEvent) => {
    if (isHookSignal(m.data)) fromHook(m.data);
  };
  b.onmessage = (m: MessageEvent) => {
    if (isWorkerToBridge(m.data)) fromWorker(m.data);
  };
}

/** The hook reached a child realm: mark its Window, where only this world can see the mark (../page-channel.ts). */
function onChildRealm(event: Event): void {
  const source = event instanceof MessageEvent ? event.source : null;
  if (!source || source === window) return;
  try {
    Object.defineProperty(source, COVERED_MARK, { value: true, configurable: false });
  } catch {
    // Cross-origin, or marked already.
  }
}

const coveredByOpener = (window as unknown as Record<string, unknown>)[COVERED_MARK] === true;
// A Window its opener or parent hooked before this document came (and the page may have rigged): no offer is
// taken here; the opener's or parent's hook and worker cover it.
if (!coveredByOpener) document.addEventListener(HOOK_OFFER_EVENT, onOffer);
window.addEventListener(CHILD_REALM_EVENT, onChildRealm, true);
// A hook that covers this Window (the opener's or parent's) hooks this new document now, before anything else runs.
if (coveredByOpener) document.dispatchEvent(new Event(DOCUMENT_START_EVENT));
