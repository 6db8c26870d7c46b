/**
 * Wraps RTCPeerConnection so that every RTP sender and receiver gets a CallSeal transform in the very task that
 * creates it — Chromium silently ignores a transform attached later. Senders and receivers come into being in
 * three ways, and each is covered where it happens:
 *
 *   addTrack / addTransceiver       → the new transceiver's sender AND receiver, before the call returns;
 *   setRemoteDescription            → a sweep of all transceivers in `signalingstatechange` (fired in the same task
 *                                     that creates them, also when no track event follows, e.g. recvonly offers);
 *   the `track` event               → the event's transceiver (our listener is registered first, at construction).
 *
 * Transforms pass frames through untouched until E2EE is on (the worker decides). All of the page's connections
 * share one worker, so the key agreement belongs to the page's call, not to one connection: SFU-style apps with
 * separate send and receive connections work the same as peer-to-peer ones.
 */
import type { TransformOptions } from '../../shared/worker-messages';
import { intrinsics, rtc } from './intrinsics';

export function installPeerConnectionHook(workerFor: () => Worker | undefined): boolean {
  const Native = intrinsics.RTCPeerConnection;
  const ScriptTransform = intrinsics.RTCRtpScriptTransform;
  if (!Native || !ScriptTransform || !rtc) return false;
  const api = rtc;

  const attached = new intrinsics.WeakSet<object>();
  let nextId = 0;

  const attach = (end: RTCRtpSender | RTCRtpReceiver, side: TransformOptions['side'], media: string): void => {
    if (intrinsics.weakSetHas(attached, end)) return;
    const worker = workerFor();
    if (!worker || (media !== 'audio' && media !== 'video')) return;
    intrinsics.weakSetAdd(attached, end);
    const options: TransformOptions = { callseal: 1, side, media, id: nextId++ };
    const transform = new ScriptTransform(worker, options);
    if (side === 'send') api.senderTransform(end as RTCRtpSender, transform);
    else api.receiverTransform(end as RTCRtpReceiver, transform);
  };

  const attachTransceiver = (transceiver: RTCRtpTransceiver): void => {
    const receiver = api.transceiverReceiver(transceiver);
    // The receiver's track exists from the transceiver's creation and tells its media kind.
    const media = api.trackKind(api.receiverTrack(receiver));
    attach(api.transceiverSender(transceiver), 'send', media);
    attach(receiver, 'receive', media);
  };

  const sweep = (pc: RTCPeerConnection): void => {
    // An index loop: for…of would call the array iterator, which the page can replace.
    const transceivers = api.getTransceivers(pc);
    for (let i = 0; i < transceivers.length; i++) attachTransceiver(transceivers[i] as RTCRtpTransceiver);
  };

  const proto = Native.prototype;
  const nativeAddTrack = api.addTrack;
  const nativeAddTransceiver = api.addTransceiver;
  replaceMethod(proto, 'addTrack', function (this: RTCPeerConnection, ...args: unknown[]) {
    const sender = intrinsics.apply(nativeAddTrack, this, args) as RTCRtpSender;
    sweep(this);
    return sender;
  });
  replaceMethod(proto, 'addTransceiver', function (this: RTCPeerConnection, ...args: unknown[]) {
    const transceiver = intrinsics.apply(nativeAddTransceiver, this, args) as RTCRtpTransceiver;
    attachTransceiver(transceiver);
    return transceiver;
  });

  const Hooked = new intrinsics.Proxy(Native, {
    construct(target, args, newTarget) {
      const pc = intrinsics.construct(target, args, newTarget) as RTCPeerConnection;
      // Registered before the page can add its own listeners, so ours run first.
      intrinsics.addEventListener(pc, 'signalingstatechange', () => sweep(pc));
      intrinsics.addEventListener(pc, 'track', (event: Event) => {
        attachTransceiver(api.trackEventTransceiver(event as RTCTrackEvent));
      });
      return pc;
    },
  });
  // `pc.constructor === RTCPeerConnection` must keep holding for the page.
  const constructorDescriptor = intrinsics.getOwnPropertyDescriptor(proto, 'constructor');
  if (constructorDescriptor) intrinsics.defineProperty(proto, 'constructor', { ...constructorDescriptor, value: Hooked });
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection']) {
    if (name in globalThis) {
      intrinsics.defineProperty(globalThis, name, { value: Hooked, writable: true, configurable: true, enumerable: false });
    }
  }
  return true;
}

/** Replaces a prototype method, keeping its name, length and property attributes. */
function replaceMethod(proto: object, name: string, replacement: (...args: never[]) => unknown): void {
  const descriptor = intrinsics.getOwnPropertyDescriptor(proto, name);
  if (!descriptor || typeof descriptor.value !== 'function') return;
  const original = descriptor.value as (...args: unknown[]) => unknown;
  intrinsics.defineProperty(replacement, 'name', { value: original.name });
  intrinsics.defineProperty(replacement, 'length', { value: original.length });
  intrinsics.defineProperty(proto, name, { ...descriptor, value: replacement });
}
