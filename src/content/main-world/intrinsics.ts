/**
 * Built-ins the hook relies on, captured when the MAIN-world script starts — before any page script can replace
 * them. Everything the hook calls later goes through these references, never through the (page-mutable) globals.
 */

const { apply } = Reflect;

/** `fn.call(thisArg, ...args)` without touching the (replaceable) `Function.prototype.call`. */
export function uncurry<This, Args extends unknown[], R>(fn: (this: This, ...args: Args) => R) {
  return (thisArg: This, ...args: Args): R => apply(fn, thisArg, args) as R;
}

/** The getter or setter of a built-in accessor property, uncurried. Throws at startup if the browser lacks it. */
function getter<T, R>(proto: T, name: string): (self: T) => R {
  const get = Object.getOwnPropertyDescriptor(proto, name)?.get;
  if (!get) throw new Error(`CallSeal: no getter ${name}`);
  return (self) => apply(get, self, []) as R;
}

function setter<T, V>(proto: T, name: string): (self: T, value: V) => void {
  const set = Object.getOwnPropertyDescriptor(proto, name)?.set;
  if (!set) throw new Error(`CallSeal: no setter ${name}`);
  return (self, value) => void apply(set, self, [value]);
}

export const intrinsics = Object.freeze({
  RTCPeerConnection: globalThis.RTCPeerConnection as typeof RTCPeerConnection | undefined,
  RTCRtpScriptTransform: globalThis.RTCRtpScriptTransform as typeof RTCRtpScriptTransform | undefined,
  Worker: globalThis.Worker,
  Blob: globalThis.Blob,
  MessageChannel: globalThis.MessageChannel,
  MessageEvent: globalThis.MessageEvent,
  createObjectURL: URL.createObjectURL.bind(URL),
  construct: Reflect.construct,
  apply,
  defineProperty: Object.defineProperty,
  getOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
  Proxy: globalThis.Proxy,
  WeakSet: globalThis.WeakSet,
  addEventListener: uncurry(EventTarget.prototype.addEventListener),
  removeEventListener: uncurry(EventTarget.prototype.removeEventListener),
  dispatchEvent: uncurry(EventTarget.prototype.dispatchEvent),
  portPostMessage: uncurry(MessagePort.prototype.postMessage as (message: unknown) => void),
  portStart: uncurry(MessagePort.prototype.start),
  workerPostMessage: uncurry(Worker.prototype.postMessage as (message: unknown) => void),
  weakSetHas: uncurry(WeakSet.prototype.has),
  weakSetAdd: uncurry(WeakSet.prototype.add),
  getUserMedia: globalThis.MediaDevices?.prototype.getUserMedia,
  getDisplayMedia: globalThis.MediaDevices?.prototype.getDisplayMedia,
  messageEventData: getter<MessageEvent, unknown>(MessageEvent.prototype, 'data'),
  messageEventPorts: getter<MessageEvent, readonly MessagePort[]>(MessageEvent.prototype, 'ports'),
});

/** WebRTC accessors; captured only where WebRTC exists (it does not in some frames and old browsers). */
export const rtc = globalThis.RTCRtpSender
  ? Object.freeze({
      trackEventTransceiver: getter<RTCTrackEvent, RTCRtpTransceiver>(RTCTrackEvent.prototype, 'transceiver'),
      transceiverSender: getter<RTCRtpTransceiver, RTCRtpSender>(RTCRtpTransceiver.prototype, 'sender'),
      transceiverReceiver: getter<RTCRtpTransceiver, RTCRtpReceiver>(RTCRtpTransceiver.prototype, 'receiver'),
      receiverTrack: getter<RTCRtpReceiver, MediaStreamTrack>(RTCRtpReceiver.prototype, 'track'),
      trackKind: getter<MediaStreamTrack, string>(MediaStreamTrack.prototype, 'kind'),
      senderTransform: setter<RTCRtpSender, RTCRtpScriptTransform | null>(RTCRtpSender.prototype, 'transform'),
      receiverTransform: setter<RTCRtpReceiver, RTCRtpScriptTransform | null>(RTCRtpReceiver.prototype, 'transform'),
      addTrack: RTCPeerConnection.prototype.addTrack,
      addTransceiver: RTCPeerConnection.prototype.addTransceiver,
      getTransceivers: uncurry(RTCPeerConnection.prototype.getTransceivers),
    })
  : undefined;
