/**
 * The isolated-world bridge: relays typed messages between the MAIN-world hook (private MessagePort, see
 * shared/page-channel.ts) and the background (runtime port). It adds nothing and holds nothing secret; it only
 * drops what is not a well-formed message. It connects to the background only once the page has made a peer
 * connection, so ordinary pages never wake the service worker.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { BRIDGE_PORT, isPageToBackground, type BackgroundToPage, type PageToBackground } from '../shared/messages';
import { BRIDGE_READY_EVENT, documentIsPristine, HOOK_OFFER_EVENT } from '../shared/page-channel';

let hookPort: MessagePort | undefined;
let background: Runtime.Port | undefined;
/** The extension was reloaded or removed: this page's bridge is done for good. */
let orphaned = false;

function connectBackground(): Runtime.Port | undefined {
  if (background) return background;
  let port: Runtime.Port;
  try {
    port = browser.runtime.connect({ name: BRIDGE_PORT });
  } catch {
    orphaned = true; // The extension was reloaded or removed: this page keeps running without it.
    return undefined;
  }
  background = port;
  port.onMessage.addListener((message: unknown) => hookPort?.postMessage(message as BackgroundToPage));
  port.onDisconnect.addListener(() => {
    background = undefined;
    // The service worker restarted: reconnect and re-attach, so settings flow again. (A message lost in the
    // switch is made good by the worker: it reports every second and asks again for a signature it did not get.)
    if (attached) send({ kind: 'attach' });
  });
  return port;
}

let attached = false;

function send(message: PageToBackground): void {
  if (orphaned) return;
  if (message.kind === 'attach') attached = true;
  connectBackground()?.postMessage(message);
}

function onHookOffer(event: Event): void {
  if (hookPort || !documentIsPristine(document)) return;
  const port = (event as MessageEvent).ports[0];
  if (!port) return;
  hookPort = port;
  document.removeEventListener(HOOK_OFFER_EVENT, onHookOffer);
  port.onmessage = (message) => {
    if (isPageToBackground(message.data)) send(message.data);
  };
}

document.addEventListener(HOOK_OFFER_EVENT, onHookOffer);
document.dispatchEvent(new Event(BRIDGE_READY_EVENT));
