/**
 * Hooks one realm — the page's own, and every frame or window the page opens (`installInto(win)`) — so that every
 * RTP sender and receiver gets CallSeal's transform in the very task that creates it (protocol.md §7.3):
 *
 *   addTrack / addTransceiver / addStream → a sweep of the connection's transceivers before the call returns;
 *   setRemoteDescription                  → a sweep in `signalingstatechange` (same task, also with no track event);
 *   the `track` event                     → the event's transceiver (our listener is registered first);
 *   the `transform` attribute             → an accessor that keeps CallSeal's transform: the app's value (its own
 *                                           transform, or null) is kept for it to read back and `app-transform` is
 *                                           signalled, but frames go on through CallSeal;
 *   createEncodedStreams()                → on an end CallSeal covers, streams that carry nothing (the real call
 *                                           in a later task would stop the end's media), and `app-transform`;
 *   other realms                          → hooked the moment the page can reach them: `contentWindow` and
 *                                           `contentDocument` of frames and objects, `window.open`'s result, after
 *                                           every DOM insertion that grew `window.length`, and in a MutationObserver
 *                                           for frames the parser makes (it runs before the parser's next script).
 *
 * All realms share the page's one transform worker, and are hooked with this realm's captured built-ins.
 *
 * Several installers in one realm (a frame hooked by its parent, whose own document later brings its own hook into
 * the same Window; or a popup's own hook and its opener's) compose: each wraps what it found, and a transform is
 * attached only to an end that has none — the first installer's stays, and the guarded accessor keeps it.
 */
import type { TransformOptions } from '../../shared/worker-messages';
import { CHILD_REALM_EVENT, DOCUMENT_START_EVENT } from '../page-channel';
import { domInsertions, frameAccessors, intrinsics as I, ownDescriptor, rtc, type AnyFunction } from './intrinsics';
import type { TransformHost } from './worker-host';

type End = RTCRtpSender | RTCRtpReceiver;
type Side = TransformOptions['side'];
type Realm = Window & Record<string, unknown>;

interface RealmHook {
  /** Hooks `win`'s realm (once per document); false if it cannot be reached (cross-origin) or was hooked already. */
  installInto(win: Window): boolean;
}

/** DOM operations that may remove a frame while inserting another (the frame count alone would not tell). */
const REPLACING = {
  __proto__: null,
  replaceChild: true,
  replaceWith: true,
  replaceChildren: true,
  innerHTML: true,
  outerHTML: true,
  setHTMLUnsafe: true,
  setHTML: true,
  write: true,
  writeln: true,
  execCommand: true,
} as unknown as Record<string, boolean | undefined>;
const replacing = (name: string): boolean => REPLACING[name] === true;

const PEER_CONNECTION_GLOBALS = ['RTCPeerConnection', 'webkitRTCPeerConnection'];

export function createRealmHook(host: TransformHost): RealmHook {
  /** Documents already hooked (a Window reused by its first navigation keeps its hooks but gets a new document). */
  const hookedDocuments = new I.WeakSet<object>();
  /** Ends CallSeal attached a transform to. */
  const ours = new I.WeakSet<object>();
  /** The app's own value of `transform` for an end whose CallSeal transform stays. */
  const appValues = new I.WeakMap<object, unknown>();
  /** Ends whose transform was assigned through this accessor while they had none (the app's, or another hook's). */
  const appApplied = new I.WeakSet<object>();
  /** `window.length` last seen, per window. */
  const frameCounts = new I.WeakMap<object, unknown>();
  let nextId = 0;

  const api = rtc;
  const ScriptTransform = api?.RTCRtpScriptTransform;

  const attach = (end: End, side: Side, media: string): void => {
    if (!api || !ScriptTransform || I.weakSetHas(ours, end)) return;
    if (media !== 'audio' && media !== 'video') return;
    const get = side === 'send' ? api.senderTransformGet : api.receiverTransformGet;
    const set = side === 'send' ? api.senderTransformSet : api.receiverTransformSet;
    if (!get || !set) return;
    // An end that already has a transform got it from an earlier installer in this realm: that one stays.
    if (I.apply(get, end, []) !== null) return;
    const worker = host.transformWorker();
    if (!worker) return;
    I.weakSetAdd(ours, end);
    const options = { __proto__: null, callseal: 1, side, media, id: nextId++ } as unknown as TransformOptions;
    I.apply(set, end, [new ScriptTransform(worker, options)]);
  };

  const attachTransceiver = (transceiver: RTCRtpTransceiver): void => {
    if (!api) return;
    const receiver = api.transceiverReceiver(transceiver);
    // The receiver's track exists from the transceiver's creation and tells its media kind.
    const media = api.trackKind(api.receiverTrack(receiver));
    attach(api.transceiverSender(transceiver), 'send', media);
    attach(receiver, 'receive', media);
  };

  const sweep = (pc: RTCPeerConnection): void => {
    if (!api) return;
    const transceivers = api.getTransceivers(pc);
    for (let i = 0; i < transceivers.length; i++) attachTransceiver(transceivers[i] as RTCRtpTransceiver);
  };

  /**
   * Replaces a method or accessor half with `wrap(original)`, keeping the property's attributes and the function's
   * name and length. `original` is what the realm has at the time — the browser's own function, or the wrapper of an
   * installer that came first (it then keeps coming first).
   */
  const replace = (target: object, name: string, kind: 'method' | 'setter' | 'getter', wrap: (original: AnyFunction) => AnyFunction): void => {
    const descriptor = ownDescriptor(target, name);
    if (!descriptor) return;
    const original = kind === 'method' ? descriptor.value : kind === 'setter' ? descriptor.set : descriptor.get;
    if (typeof original !== 'function') return;
    const replacement = wrap(original as AnyFunction);
    I.defineProperty(replacement, 'name', { __proto__: null, value: ownDescriptor(original, 'name')?.value, configurable: true } as PropertyDescriptor);
    I.defineProperty(replacement, 'length', { __proto__: null, value: ownDescriptor(original, 'length')?.value, configurable: true } as PropertyDescriptor);
    if (kind === 'method') descriptor.value = replacement;
    else if (kind === 'setter') descriptor.set = replacement;
    else descriptor.get = replacement;
    I.defineProperty(target, name, descriptor as PropertyDescriptor);
  };

  const prototypeOf = (win: Realm, iface: string): object | undefined => {
    const ctor = win[iface];
    if (typeof ctor !== 'function') return undefined;
    const proto = ownDescriptor(ctor, 'prototype')?.value;
    return typeof proto === 'object' && proto !== null ? proto : undefined;
  };

  const hookPeerConnection = (win: Realm): void => {
    if (!api) return;
    const Native = win.RTCPeerConnection as typeof RTCPeerConnection | undefined;
    const proto = prototypeOf(win, 'RTCPeerConnection');
    if (typeof Native !== 'function' || !proto) return;

    replace(proto, 'addTrack', 'method', (addTrack) =>
      function (this: RTCPeerConnection, ...args: unknown[]) {
        const sender = I.apply(addTrack, this, args);
        sweep(this);
        return sender;
      },
    );
    replace(proto, 'addTransceiver', 'method', (addTransceiver) =>
      function (this: RTCPeerConnection, ...args: unknown[]) {
        const transceiver = I.apply(addTransceiver, this, args) as RTCRtpTransceiver;
        attachTransceiver(transceiver);
        return transceiver;
      },
    );
    // Legacy and non-standard, but Chromium still has it; its senders exist when it returns.
    replace(proto, 'addStream', 'method', (addStream) =>
      function (this: RTCPeerConnection, ...args: unknown[]) {
        const result = I.apply(addStream, this, args);
        sweep(this);
        return result;
      },
    );

    const Hooked = new I.Proxy(Native, {
      __proto__: null,
      construct(target: typeof RTCPeerConnection, args: unknown[], newTarget: object) {
        host.mediaRequested();
        if (host.refusePeerConnections()) {
          throw new I.DOMException('End-to-end encryption is required, and CallSeal cannot run in this browser or page.', 'NotSupportedError');
        }
        const pc = I.construct(target as unknown as new (...a: unknown[]) => object, args, newTarget as new (...a: unknown[]) => object) as RTCPeerConnection;
        // Registered before the page can add its own listeners, so ours run first.
        I.addEventListener(pc, 'signalingstatechange', () => sweep(pc));
        I.addEventListener(pc, 'track', (event: Event) => attachTransceiver(api.trackEventTransceiver(event as RTCTrackEvent)));
        return pc;
      },
    } as ProxyHandler<typeof RTCPeerConnection>);
    // `pc.constructor === RTCPeerConnection` must keep holding for the page.
    const constructor = ownDescriptor(proto, 'constructor');
    if (constructor) {
      constructor.value = Hooked;
      I.defineProperty(proto, 'constructor', constructor as PropertyDescriptor);
    }
    for (let i = 0; i < PEER_CONNECTION_GLOBALS.length; i++) {
      const descriptor = ownDescriptor(win, PEER_CONNECTION_GLOBALS[i]!);
      if (descriptor && 'value' in descriptor) {
        descriptor.value = Hooked;
        I.defineProperty(win, PEER_CONNECTION_GLOBALS[i]!, descriptor as PropertyDescriptor);
      }
    }
  };

  /** The `transform` accessor keeps CallSeal's transform; the app reads back what it assigned. */
  const guardTransform = (win: Realm, iface: string, nativeGet: AnyFunction | undefined, nativeSet: AnyFunction | undefined): void => {
    const proto = prototypeOf(win, iface);
    if (!proto || !nativeGet || !nativeSet) return;
    replace(proto, 'transform', 'getter', () =>
      function (this: End) {
        if (I.weakMapHas(appValues, this)) return I.weakMapGet(appValues, this);
        return I.apply(nativeGet, this, []);
      },
    );
    replace(proto, 'transform', 'setter', () =>
      function (this: End, value: unknown) {
        const current = I.apply(nativeGet, this, []); // also the brand check the browser's setter makes
        if (current === null || I.weakSetHas(appApplied, this)) {
          // No transform here (CallSeal attaches none in this page, or another CallSeal hook of this realm is
          // attaching its own through this accessor), or the one here is the app's: the value applies.
          I.apply(nativeSet, this, [value]);
          I.weakSetAdd(appApplied, this);
          I.weakMapDelete(appValues, this);
          return;
        }
        // CallSeal's transform stays; the app reads back what it assigned.
        I.weakMapSet(appValues, this, value);
        host.signalOnce('app-transform');
      },
    );
  };

  /**
   * `createEncodedStreams()` (the legacy API, with `encodedInsertableStreams: true`) on an end CallSeal covers. Chromium
   * gives a script transform precedence, but once one is attached, a `createEncodedStreams()` in a later task stops
   * the end's media altogether (checked: no frame reaches either). So the app gets streams of its own that carry
   * nothing — its processing does not run, CallSeal's encryption goes on, and no exception breaks its call — and
   * `app-transform` is said. Ends CallSeal does not cover get the real thing.
   */
  const watchEncodedStreams = (win: Realm, iface: string): void => {
    const proto = prototypeOf(win, iface);
    if (!proto) return;
    replace(proto, 'createEncodedStreams', 'method', (createEncodedStreams) =>
      function (this: End, ...args: unknown[]) {
        if (!I.weakSetHas(ours, this)) return I.apply(createEncodedStreams, this, args);
        try {
          host.signalOnce('app-transform');
        } catch {
          // Never let CallSeal break the app's call.
        }
        return { readable: new I.ReadableStream(), writable: new I.WritableStream() };
      },
    );
  };

  const hookMediaRequests = (win: Realm): void => {
    const proto = prototypeOf(win, 'MediaDevices');
    if (!proto) return;
    const wrap = (request: AnyFunction): AnyFunction =>
      function (this: MediaDevices, ...args: unknown[]) {
        try {
          host.mediaRequested();
        } catch {
          // Never let CallSeal break the app's media request.
        }
        return I.apply(request, this, args);
      };
    replace(proto, 'getUserMedia', 'method', wrap);
    replace(proto, 'getDisplayMedia', 'method', wrap);
  };

  /** Hooks a window the page has just been handed (or may reach through `frames`), and tells the bridge. */
  const reached = (win: Window | null): void => {
    if (!win || win === I.window) return;
    if (!installInto(win)) return;
    // The bridge marks the Window as covered, for a bridge that may start in it later (../page-channel.ts).
    const event = new I.MessageEvent(CHILD_REALM_EVENT, { __proto__: null, source: win } as MessageEventInit);
    I.dispatchEvent(I.document, event);
  };

  /** Hooks every child frame of `win` that is new since the last look (or all of them, when `always`). */
  const checkFrames = (win: Window, always: boolean): void => {
    const count = I.windowLength ? I.windowLength(win) : 0;
    if (!always && I.weakMapGet(frameCounts, win) === count) return;
    I.weakMapSet(frameCounts, win, count);
    for (let i = 0; i < count; i++) {
      let child: Window | undefined;
      try {
        child = (win as unknown as Record<number, Window | undefined>)[i];
      } catch {
        child = undefined;
      }
      if (child) reached(child);
    }
  };

  const hookChildRealms = (win: Realm): void => {
    for (let i = 0; i < frameAccessors.length; i++) {
      const proto = prototypeOf(win, frameAccessors[i]!.iface);
      if (!proto) continue;
      replace(proto, 'contentWindow', 'getter', (getWindow) =>
        function (this: HTMLElement) {
          const child = I.apply(getWindow, this, []) as Window | null;
          reached(child);
          return child;
        },
      );
      const getWindow = frameAccessors[i]!.windowGet;
      replace(proto, 'contentDocument', 'getter', (getDocument) =>
        function (this: HTMLElement) {
          reached(I.apply(getWindow, this, []) as Window | null);
          return I.apply(getDocument, this, []);
        },
      );
    }

    replace(win, 'open', 'method', (open) =>
      function (this: Window, ...args: unknown[]) {
        const opened = I.apply(open, this, args) as Window | null;
        reached(opened);
        return opened;
      },
    );

    for (let i = 0; i < domInsertions.length; i++) {
      const { iface, name, kind } = domInsertions[i]!;
      const proto = prototypeOf(win, iface);
      if (!proto) continue;
      const mayReplace = replacing(name);
      replace(proto, name, kind, (insert) =>
        function (this: unknown, ...args: unknown[]) {
          const result = I.apply(insert, this, args);
          checkFrames(win, mayReplace);
          return result;
        },
      );
    }

    const observer = new I.MutationObserver(() => checkFrames(win, false));
    I.observe(observer, win.document, { __proto__: null, childList: true, subtree: true } as MutationObserverInit);
    // A child Window reused by its first navigation gets a new document: hook that one too, before its scripts run.
    if (win !== I.window) I.addCapturingListener(win, DOCUMENT_START_EVENT, onDocumentStart, true);
  };

  /** One listener for every Window (adding it twice to one Window adds it once). */
  function onDocumentStart(event: Event): void {
    const win = I.eventCurrentTarget?.(event);
    if (win) installInto(win as Window);
  }

  function installInto(win: Window): boolean {
    let realm: Realm;
    let document: Document;
    try {
      realm = win as Realm;
      document = realm.document; // throws for a cross-origin window
    } catch {
      return false;
    }
    if (!document || I.weakSetHas(hookedDocuments, document)) return false;
    I.weakSetAdd(hookedDocuments, document);
    try {
      hookPeerConnection(realm);
      if (api) {
        guardTransform(realm, 'RTCRtpSender', api.senderTransformGet, api.senderTransformSet);
        guardTransform(realm, 'RTCRtpReceiver', api.receiverTransformGet, api.receiverTransformSet);
        watchEncodedStreams(realm, 'RTCRtpSender');
        watchEncodedStreams(realm, 'RTCRtpReceiver');
      }
      hookMediaRequests(realm);
      hookChildRealms(realm);
      checkFrames(realm, true);
    } catch {
      // A realm that cannot be hooked completely keeps whatever was hooked; the page goes on.
    }
    return true;
  }

  return { installInto };
}
