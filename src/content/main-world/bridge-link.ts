/**
 * The hook's end of the private channel to the isolated-world bridge (handshake: shared/page-channel.ts).
 * The port lives only in this module's closure; the page never sees it.
 */
import type { BackgroundToPage, PageToBackground } from '../../shared/messages';
import { BRIDGE_READY_EVENT, documentIsPristine, HOOK_OFFER_EVENT } from '../../shared/page-channel';
import { intrinsics } from './intrinsics';

export interface BridgeLink {
  send(message: PageToBackground): void;
}

export function openBridgeLink(onMessage: (message: BackgroundToPage) => void): BridgeLink {
  const channel = new intrinsics.MessageChannel();
  const port = channel.port1;
  const offer = (): void => {
    const event = new intrinsics.MessageEvent(HOOK_OFFER_EVENT, { ports: [channel.port2] });
    intrinsics.dispatchEvent(document, event);
  };
  // The bridge may start after the hook: it then asks with BRIDGE_READY, answered only while no page script ran.
  const onBridgeReady = (): void => {
    if (documentIsPristine(document)) offer();
  };
  intrinsics.addEventListener(document, BRIDGE_READY_EVENT, onBridgeReady);
  offer();

  intrinsics.addEventListener(port, 'message', (event: Event) => {
    // The bridge is connected: no more offers.
    intrinsics.removeEventListener(document, BRIDGE_READY_EVENT, onBridgeReady);
    onMessage(intrinsics.messageEventData(event as MessageEvent) as BackgroundToPage);
  });
  intrinsics.portStart(port);
  return { send: (message) => intrinsics.portPostMessage(port, message) };
}
