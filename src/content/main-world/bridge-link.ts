/**
 * The hook's side of the one-shot handover (protocol.md §7.2, ../page-channel.ts), done once at document_start:
 * two MessageChannels, one cancelable offer carrying the bridge's ends of both, and `dispatchEvent`'s result as the
 * only confirmation. The ports live in this closure only.
 *
 * Port A carries strings only: the hook's `HookSignal`s out, the bridge's `BridgeSignal` in, compared as primitives.
 * Port B's worker end is kept for the transform worker, which gets it as its first message and talks to the bridge
 * directly; the hook never reads it.
 */
import type { HookSignal } from '../../shared/worker-messages';
import { FAIL_CLOSED, FAIL_OPEN, HOOK_OFFER_EVENT } from '../page-channel';
import { intrinsics as I, sequence } from './intrinsics';

export interface BridgeLink {
  /** The bridge took the offer. */
  readonly handedOver: boolean;
  /** The worker's end of port B (undefined when the handover failed). */
  readonly workerPort: MessagePort | undefined;
  signal(signal: HookSignal): void;
  /** Whether a page where the transform cannot run must carry no media; true until the bridge says otherwise. */
  failClosed(): boolean;
}

export function openBridgeLink(): BridgeLink {
  let handedOver = false;
  let hookEnd: MessagePort | undefined;
  let workerEnd: MessagePort | undefined;
  try {
    const { channelPort1, channelPort2 } = I;
    if (!channelPort1 || !channelPort2) throw new I.DOMException('no MessageChannel', 'NotSupportedError');
    const a = new I.MessageChannel();
    const b = new I.MessageChannel();
    hookEnd = channelPort1(a);
    workerEnd = channelPort2(b);
    const bridgeA = channelPort2(a);
    const bridgeB = channelPort1(b);
    const offer = new I.MessageEvent(HOOK_OFFER_EVENT, {
      __proto__: null,
      cancelable: true,
      ports: sequence([bridgeA, bridgeB]),
    } as unknown as MessageEventInit);
    // The bridge cancels the offer it takes: dispatchEvent then returns false.
    handedOver = !I.dispatchEvent(I.document, offer);
    if (!handedOver) {
      // Nobody took the offer: every end is closed, whoever may hold one.
      I.portClose(hookEnd);
      I.portClose(bridgeA);
      I.portClose(bridgeB);
      I.portClose(workerEnd);
    }
  } catch {
    handedOver = false;
    // Whatever failed, the bridge's one offer is used up now, before any page script could make one.
    try {
      I.dispatchEvent(I.document, new I.Event(HOOK_OFFER_EVENT));
    } catch {
      // Nothing more to do: the page fails closed (no handover).
    }
  }

  let failClosed = true;
  const readData = I.messageEventData;
  if (handedOver && hookEnd && readData) {
    I.addEventListener(hookEnd, 'message', (event: Event) => {
      const data = readData(event as MessageEvent);
      if (data === FAIL_CLOSED) failClosed = true;
      else if (data === FAIL_OPEN) failClosed = false;
    });
    I.portStart(hookEnd);
  }

  return {
    handedOver,
    workerPort: handedOver ? workerEnd : undefined,
    signal(signal) {
      if (handedOver && hookEnd) I.portPostMessage(hookEnd, signal);
    },
    failClosed: () => failClosed,
  };
}
