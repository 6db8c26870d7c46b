/**
 * Built-ins the hook relies on, captured when the MAIN-world script starts — before any page script can replace
 * them (protocol.md §7.1). Everything the hook calls later goes through these references: methods and accessors
 * as uncurried functions called with the captured `Reflect.apply`, never through the page-mutable globals, and
 * never with an object that has the page's `Object.prototype` (see `dict` and `sequence`).
 *
 * Child realms (frames and windows the page opens) are hooked with these same references: a built-in of this realm
 * works on the same interface's objects of another same-origin realm, and a realm the page has already touched is
 * not a safe place to capture anything from.
 *
 * Rules for code that runs after document_start (everything but the capture itself):
 * - no method calls on built-ins (`array.push`, `promise.then`, `map.get`…): they are looked up on prototypes;
 * - no iteration (`for…of`, spread, array destructuring): the array iterator is page-replaceable;
 * - no reads of properties an object may lack (they walk up to `Object.prototype`), no conversions of objects to
 *   strings or numbers, no `btoa`/`atob`/`String.fromCharCode`/TypedArray methods;
 * - objects handed to a WebIDL call or to `defineProperty` are `{ __proto__: null, … }` literals.
 */

const { apply, construct, defineProperty, getOwnPropertyDescriptor } = Reflect;
const hasOwnProperty = Object.prototype.hasOwnProperty;
const ITERATOR: typeof Symbol.iterator = Symbol.iterator;

export type AnyFunction = (...args: never[]) => unknown;

/** `fn.call(self, ...args)` without `Function.prototype.call`. */
function uncurry<This, Args extends unknown[], R>(fn: (this: This, ...args: Args) => R) {
  return (self: This, ...args: Args): R => apply(fn, self, args) as R;
}

function hasOwn(object: object, key: PropertyKey): boolean {
  return apply(hasOwnProperty, object, [key]) as boolean;
}

/** A property's own descriptor as a null-prototype object with only the fields it has (undefined if none). */
interface OwnDescriptor {
  get?: AnyFunction | undefined;
  set?: AnyFunction | undefined;
  value?: unknown;
  writable?: boolean;
  enumerable?: boolean;
  configurable?: boolean;
}

/**
 * The descriptor `Reflect.getOwnPropertyDescriptor` returns is complete (ECMA-262 FromPropertyDescriptor of a
 * property's full descriptor, or CompletePropertyDescriptor for a Proxy's): an accessor's has own `get`, `set`,
 * `enumerable` and `configurable`, a data property's own `value`, `writable`, `enumerable` and `configurable`. So one
 * own-property check tells which fields are there, and none is read from `Object.prototype`. (Six checks, one per
 * field, were 0.2–0.4 ms of the hook's start on every page in CPU profiles: docs/benchmarks.md.)
 */
export function ownDescriptor(object: object, key: PropertyKey): OwnDescriptor | undefined {
  const found = getOwnPropertyDescriptor(object, key);
  if (found === undefined) return undefined;
  const copy: OwnDescriptor = { __proto__: null } as OwnDescriptor;
  if (hasOwn(found, 'get')) {
    copy.get = found.get as AnyFunction | undefined;
    copy.set = found.set as AnyFunction | undefined;
  } else {
    copy.value = found.value;
    copy.writable = found.writable === true;
  }
  copy.enumerable = found.enumerable === true;
  copy.configurable = found.configurable === true;
  return copy;
}

/** The getter of a built-in accessor, uncurried; undefined if the browser lacks it. */
function getterOf<T, R>(proto: object | undefined, name: string): ((self: T) => R) | undefined {
  const get = proto && ownDescriptor(proto, name)?.get;
  return get ? (self: T) => apply(get, self, []) as R : undefined;
}

function methodOf<T, Args extends unknown[], R>(proto: object | undefined, name: string): ((self: T, ...args: Args) => R) | undefined {
  const method = proto && ownDescriptor(proto, name)?.value;
  return typeof method === 'function' ? (self: T, ...args: Args) => apply(method, self, args) as R : undefined;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`CallSeal: the browser lacks ${name}`);
  return value;
}

/**
 * A sequence for a WebIDL call (`ports`, blob parts, a transfer list): a null-prototype iterable whose iterator and
 * results are its own null-prototype objects, so neither `Array.prototype[Symbol.iterator]` nor
 * `%ArrayIteratorPrototype%.next` is involved. `items` must be an array literal of this module's caller.
 */
export function sequence<T>(items: readonly T[]): Iterable<T> {
  const count = items.length;
  return {
    __proto__: null,
    [ITERATOR]() {
      let index = 0;
      return {
        __proto__: null,
        next() {
          if (index < count) return { __proto__: null, value: items[index++], done: false };
          return { __proto__: null, value: undefined, done: true };
        },
      };
    },
  } as unknown as Iterable<T>;
}

const proto = (ctor: { prototype: object } | undefined): object | undefined => ctor?.prototype;
const g = globalThis as typeof globalThis & Record<string, unknown>;

export const intrinsics = {
  apply,
  construct,
  defineProperty,
  ITERATOR,
  Proxy,
  WeakSet,
  WeakMap,
  weakSetHas: uncurry(WeakSet.prototype.has as (this: WeakSet<object>, value: object) => boolean),
  weakSetAdd: uncurry(WeakSet.prototype.add as (this: WeakSet<object>, value: object) => WeakSet<object>),
  weakMapHas: uncurry(WeakMap.prototype.has as (this: WeakMap<object, unknown>, key: object) => boolean),
  weakMapGet: uncurry(WeakMap.prototype.get as (this: WeakMap<object, unknown>, key: object) => unknown),
  weakMapSet: uncurry(WeakMap.prototype.set as (this: WeakMap<object, unknown>, key: object, value: unknown) => WeakMap<object, unknown>),
  weakMapDelete: uncurry(WeakMap.prototype.delete as (this: WeakMap<object, unknown>, key: object) => boolean),

  /** The realm the hook was loaded into, and its document. */
  window: globalThis as unknown as Window,
  document: globalThis.document,

  Worker: globalThis.Worker,
  Blob: globalThis.Blob,
  MessageChannel: globalThis.MessageChannel,
  Event: globalThis.Event,
  MessageEvent: globalThis.MessageEvent,
  DOMException: globalThis.DOMException,
  MutationObserver: globalThis.MutationObserver,
  ReadableStream: globalThis.ReadableStream,
  WritableStream: globalThis.WritableStream,
  createObjectURL: URL.createObjectURL,

  addEventListener: uncurry(EventTarget.prototype.addEventListener as (this: EventTarget, type: string, listener: (event: Event) => void) => void),
  /** `target.addEventListener(type, listener, true)`: a capturing listener (a boolean, not an options dictionary). */
  addCapturingListener: uncurry(EventTarget.prototype.addEventListener as (this: EventTarget, type: string, listener: (event: Event) => void, capture: true) => void),
  dispatchEvent: uncurry(EventTarget.prototype.dispatchEvent),
  eventCurrentTarget: getterOf<Event, EventTarget | null>(Event.prototype, 'currentTarget'),
  channelPort1: getterOf<MessageChannel, MessagePort>(MessageChannel.prototype, 'port1'),
  channelPort2: getterOf<MessageChannel, MessagePort>(MessageChannel.prototype, 'port2'),
  portPostMessage: uncurry(MessagePort.prototype.postMessage as (this: MessagePort, message: unknown) => void),
  portStart: uncurry(MessagePort.prototype.start),
  portClose: uncurry(MessagePort.prototype.close),
  workerPostMessage: uncurry(Worker.prototype.postMessage as (this: Worker, message: unknown, transfer: Iterable<unknown>) => void),
  messageEventData: getterOf<MessageEvent, unknown>(MessageEvent.prototype, 'data'),
  observe: uncurry(MutationObserver.prototype.observe as (this: MutationObserver, target: Node, options: MutationObserverInit) => void),
  /** `window.length` (an accessor of each window; page code may shadow it, this one it cannot). */
  windowLength: getterOf<Window, number>(globalThis, 'length'),
};

/** What CallSeal uses of the Trusted Types API (TypeScript's DOM library does not declare it). */
export type TrustedTypePolicy = { readonly __policy: unique symbol };
export type TrustedScriptURL = { readonly __scriptUrl: unique symbol };
type TrustedTypePolicyFactory = { readonly __factory: unique symbol };
export interface TrustedTypePolicyOptions {
  createScriptURL(input: string): string;
}

interface TrustedTypesIntrinsics {
  factory: TrustedTypePolicyFactory;
  createPolicy(factory: TrustedTypePolicyFactory, name: string, rules: TrustedTypePolicyOptions): TrustedTypePolicy;
  createScriptURL(policy: TrustedTypePolicy, input: string): TrustedScriptURL;
  defaultPolicy(factory: TrustedTypePolicyFactory): TrustedTypePolicy | null;
}

function captureTrustedTypes(): TrustedTypesIntrinsics | undefined {
  const factory = g.trustedTypes as TrustedTypePolicyFactory | undefined;
  const factoryProto = proto(g.TrustedTypePolicyFactory as { prototype: object } | undefined);
  const createPolicy = methodOf<TrustedTypePolicyFactory, [string, TrustedTypePolicyOptions], TrustedTypePolicy>(factoryProto, 'createPolicy');
  const createScriptURL = methodOf<TrustedTypePolicy, [string], TrustedScriptURL>(proto(g.TrustedTypePolicy as { prototype: object } | undefined), 'createScriptURL');
  const defaultPolicy = getterOf<TrustedTypePolicyFactory, TrustedTypePolicy | null>(factoryProto, 'defaultPolicy');
  if (typeof factory !== 'object' || factory === null || !createPolicy || !createScriptURL || !defaultPolicy) return undefined;
  return { factory, createPolicy, createScriptURL, defaultPolicy };
}

/**
 * Trusted Types (protocol.md §7.3), where the browser has them: the realm's policy factory as it was at document_start
 * (`window.trustedTypes` is replaceable by the page), and the methods CallSeal's own policy needs. On a page that
 * enforces Trusted Types, a Worker URL must come from a policy: CallSeal's own, never the page's `default` policy.
 */
export const trustedTypes = captureTrustedTypes();

/** Elements whose `contentWindow`/`contentDocument` hand the page another realm, and their `contentWindow`. */
interface FrameAccessor {
  iface: string;
  windowGet: AnyFunction;
}
export const frameAccessors: FrameAccessor[] = [];
for (const iface of ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement']) {
  const target = proto(g[iface] as { prototype: object } | undefined);
  const windowGet = target && ownDescriptor(target, 'contentWindow')?.get;
  if (windowGet) frameAccessors[frameAccessors.length] = { iface, windowGet };
}

/** WebRTC, where it exists (it does not in some frames, and without it there is nothing to hook). */
function captureRtc() {
  if (typeof g.RTCRtpSender !== 'function' || typeof g.RTCPeerConnection !== 'function') return undefined;
  const senderTransform = ownDescriptor(RTCRtpSender.prototype, 'transform');
  const receiverTransform = ownDescriptor(RTCRtpReceiver.prototype, 'transform');
  return {
    RTCPeerConnection: g.RTCPeerConnection as typeof RTCPeerConnection,
    /** Undefined before Chrome/Edge 141: CallSeal cannot run there (protocol.md §7.3). */
    RTCRtpScriptTransform: g.RTCRtpScriptTransform as typeof RTCRtpScriptTransform | undefined,
    trackEventTransceiver: required(getterOf<RTCTrackEvent, RTCRtpTransceiver>(RTCTrackEvent.prototype, 'transceiver'), 'RTCTrackEvent.transceiver'),
    transceiverSender: required(getterOf<RTCRtpTransceiver, RTCRtpSender>(RTCRtpTransceiver.prototype, 'sender'), 'RTCRtpTransceiver.sender'),
    transceiverReceiver: required(getterOf<RTCRtpTransceiver, RTCRtpReceiver>(RTCRtpTransceiver.prototype, 'receiver'), 'RTCRtpTransceiver.receiver'),
    receiverTrack: required(getterOf<RTCRtpReceiver, MediaStreamTrack>(RTCRtpReceiver.prototype, 'track'), 'RTCRtpReceiver.track'),
    trackKind: required(getterOf<MediaStreamTrack, string>(MediaStreamTrack.prototype, 'kind'), 'MediaStreamTrack.kind'),
    /** The `transform` accessors as the browser made them (undefined before 141). */
    senderTransformGet: senderTransform?.get,
    senderTransformSet: senderTransform?.set,
    receiverTransformGet: receiverTransform?.get,
    receiverTransformSet: receiverTransform?.set,
    getTransceivers: required(methodOf<RTCPeerConnection, [], RTCRtpTransceiver[]>(RTCPeerConnection.prototype, 'getTransceivers'), 'getTransceivers'),
  };
}

let capturedRtc: ReturnType<typeof captureRtc>;
try {
  capturedRtc = captureRtc();
} catch {
  capturedRtc = undefined; // A browser this different is one where CallSeal hooks nothing.
}
export const rtc = capturedRtc;

/** DOM methods and setters after which a new child frame may exist (protocol.md §7.3), by interface. */
const methodNames: Record<string, readonly string[]> = {
  Node: ['appendChild', 'insertBefore', 'replaceChild'],
  Element: ['append', 'prepend', 'before', 'after', 'replaceWith', 'replaceChildren', 'insertAdjacentElement', 'insertAdjacentHTML', 'setHTMLUnsafe', 'setHTML'],
  CharacterData: ['before', 'after', 'replaceWith'],
  DocumentType: ['before', 'after', 'replaceWith'],
  Document: ['append', 'prepend', 'replaceChildren', 'write', 'writeln', 'execCommand'],
  DocumentFragment: ['append', 'prepend', 'replaceChildren'],
  ShadowRoot: ['setHTMLUnsafe', 'setHTML'],
  Range: ['insertNode', 'surroundContents'],
};
const setterNames: Record<string, readonly string[]> = {
  Element: ['innerHTML', 'outerHTML'],
  ShadowRoot: ['innerHTML'],
};

interface DomInsertion {
  /** Interface name (`Node`, `Element`…) and member name. */
  iface: string;
  name: string;
  kind: 'method' | 'setter';
}

/** Every DOM insertion point, as a list made now (an index loop over it later needs no iterator). */
export const domInsertions: DomInsertion[] = [];
for (const [names, kind] of [
  [methodNames, 'method'],
  [setterNames, 'setter'],
] as const) {
  for (const iface in names) {
    for (const name of names[iface] ?? []) domInsertions[domInsertions.length] = { iface, name, kind };
  }
}
