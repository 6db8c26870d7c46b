/**
 * A hostile page's first script (protocol.md §1: the page's scripts are part of the adversary). It replaces every
 * page-mutable built-in a careless hook would use after document_start, records everything that passes through
 * them, and tries what issue 6 found:
 *
 * - `btoa`, `atob`, `String.fromCharCode`, `%TypedArray%.prototype.subarray/slice`, `Array.prototype[Symbol.iterator]`,
 *   `%ArrayIteratorPrototype%.next`, `MessagePort.prototype.postMessage`, `EventTarget.prototype.dispatchEvent` and
 *   `addEventListener`, `MessageEvent.prototype.data/ports`: recorded (strings, bytes, MessagePorts);
 * - `btoa` swaps what looks like something to be signed (a version-1 hello body, or 40 bytes `th || pid`) for a body
 *   of its own choosing, remembered in `chosen`: a signature over it would make the identity key a signing oracle;
 * - `Document.prototype.scripts` says the document has no scripts (an old hook re-offered its port while it had none);
 * - accessors on `Object.prototype` for WebIDL dictionary members and CallSeal's message fields: `record` mode
 *   notes each read and the object it was read from; `throw` mode throws from the dictionary members (a hook that
 *   passes an ordinary object to a WebIDL call then fails);
 * - dispatches fake `callseal:bridge-ready` and `callseal:hook-offer` events (with its own ports, which it then
 *   uses as a bridge or worker would), and listens for `callseal:*` events to take any port offered.
 *
 * `window.hostile.report()` returns what it saw, as JSON-safe values, for the test to search.
 */

/** Dictionary members of the WebIDL calls a hook makes after the page started (Worker, Blob, MessageEvent, …). */
const DICTIONARY_MEMBERS = [
  'type', 'credentials', 'name', 'endings', 'bubbles', 'cancelable', 'composed', 'data', 'origin', 'lastEventId',
  'source', 'ports', 'transfer', 'childList', 'subtree', 'attributes', 'characterData', 'attributeOldValue',
  'characterDataOldValue', 'attributeFilter', 'get', 'set', 'value', 'writable', 'enumerable', 'configurable', 'done',
];
/** Fields of CallSeal's messages; recorded only (the page's own code reads some of them, e.g. stats' `kind`). */
const MESSAGE_FIELDS = [
  'kind', 'settings', 'identityPublicKey', 'signature', 'requestId', 'input', 'body', 'report', 'callseal', 'side',
  'media', 'id', 'code', 'message', 'enabled', 'allowPlaintextFallback',
];

export type GetterMode = 'record' | 'throw';

export interface HostileReport {
  /** Every string seen (binary strings included), capped. */
  strings: string[];
  /** Every byte array seen, hex. */
  bytes: string[];
  /** Bodies it substituted for what it was asked to encode, hex. */
  chosen: string[];
  /** MessagePorts it got hold of that it did not make itself, and where. */
  foreignPorts: string[];
  /** Dictionary members read through Object.prototype (name list, first 200). */
  getterHits: string[];
  /** Whether a bridge cancelled (= took) the fake offer, and any message that came back on its own ports. */
  fakeOfferTaken: boolean;
  repliesOnOwnPorts: string[];
  /** Errors its own call code hit. */
  errors: string[];
}

/** The first script, as a whole <script> element. */
export function hostileFirstScript(mode: GetterMode): string {
  return `<script>(() => {
  'use strict';
  const MODE = ${JSON.stringify(mode)};
  const DICTIONARY_MEMBERS = ${JSON.stringify(DICTIONARY_MEMBERS)};
  const MESSAGE_FIELDS = ${JSON.stringify(MESSAGE_FIELDS)};
  const LIMIT = 20000;
  // What the recorder itself uses, saved before anything is replaced.
  const apply = Reflect.apply, ownKeys = Reflect.ownKeys, defineProperty = Object.defineProperty;
  const getOwn = Object.getOwnPropertyDescriptor, setProto = Object.setPrototypeOf, isView = ArrayBuffer.isView;
  const U8 = Uint8Array, Port = MessagePort, WeakSetHas = WeakSet.prototype.has, hasOwn = Object.prototype.hasOwnProperty;
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const viewBuffer = getOwn(TypedArrayProto, 'buffer').get, viewOffset = getOwn(TypedArrayProto, 'byteOffset').get;
  const viewLength = getOwn(TypedArrayProto, 'byteLength').get, dvBuffer = getOwn(DataView.prototype, 'buffer').get;
  const eventPorts = getOwn(MessageEvent.prototype, 'ports').get, eventData = getOwn(MessageEvent.prototype, 'data').get;
  const nativeBtoa = btoa, nativeAtob = atob;
  const dict = (o) => setProto(o, null);
  const H = { strings: [], bytes: [], chosen: [], foreignPorts: [], getterHits: [], fakeOfferTaken: false, repliesOnOwnPorts: [], errors: [] };
  const ownPorts = new WeakSet();
  let busy = false;
  const push = (list, value) => { if (list.length < LIMIT) defineProperty(list, list.length, dict({ value, writable: true, enumerable: true, configurable: true })); };
  const hexOf = (view) => {
    const u8 = new U8(apply(viewBuffer, view, []), apply(viewOffset, view, []), apply(viewLength, view, []));
    let out = '';
    for (let i = 0; i < u8.length; i++) out += (u8[i] < 16 ? '0' : '') + u8[i].toString(16);
    return out;
  };
  const binaryHex = (s) => { let out = ''; for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i) & 255; out += (c < 16 ? '0' : '') + c.toString(16); } return out; };
  const note = (value, where, depth = 0) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'string') { if (value.length <= 100000) push(H.strings, value); return; }
    if (typeof value !== 'object' && typeof value !== 'function') return;
    try {
      if (value instanceof Port) { if (!apply(WeakSetHas, ownPorts, [value])) push(H.foreignPorts, where); return; }
      if (isView(value)) { if (!(value instanceof DataView)) push(H.bytes, hexOf(value)); return; }
      if (value instanceof ArrayBuffer) { push(H.bytes, hexOf(new U8(value))); return; }
      if (value instanceof MessageEvent) { note(apply(eventData, value, []), where + '.data', depth + 1); note(apply(eventPorts, value, []), where + '.ports', depth + 1); return; }
      if (depth > 3 || typeof value === 'function') return;
      const keys = ownKeys(value);
      for (let i = 0; i < keys.length && i < 64; i++) {
        const d = getOwn(value, keys[i]);
        if (d && apply(hasOwn, d, ['value'])) note(d.value, where + '.' + String(keys[i]), depth + 1);
      }
    } catch (error) { push(H.errors, 'note ' + where + ': ' + error); }
  };
  const recording = (where, fn) => function (...args) {
    if (!busy) { busy = true; try { note(this, where + ' this'); for (let i = 0; i < args.length; i++) note(args[i], where + ' arg' + i); } finally { busy = false; } }
    const result = apply(fn, this, args);
    if (!busy) { busy = true; try { note(result, where + ' result'); } finally { busy = false; } }
    return result;
  };

  // A signing oracle wants its own body signed: swap what looks like one before it is encoded.
  const choose = (s) => {
    let chosen = null;
    if (s.length === 83 && s.charCodeAt(0) === 1) {
      // Version-1 hello body: keep version, suite, flags, sessionId and identity; choose the ephemeral key.
      let key = ''; for (let i = 0; i < 32; i++) key += String.fromCharCode(0x42);
      chosen = s.slice(0, 19) + key + s.slice(51);
    } else if (s.length === 40) {
      // Version 2's th || pid: choose th.
      let th = ''; for (let i = 0; i < 32; i++) th += String.fromCharCode(0x42);
      chosen = th + s.slice(32);
    }
    if (chosen !== null) push(H.chosen, binaryHex(chosen));
    return chosen ?? s;
  };
  window.btoa = function btoa(s) { note(String(s), 'btoa arg'); const out = nativeBtoa(choose(String(s))); note(out, 'btoa result'); return out; };
  window.atob = recording('atob', nativeAtob);
  String.fromCharCode = recording('fromCharCode', String.fromCharCode);
  TypedArrayProto.subarray = recording('subarray', TypedArrayProto.subarray);
  TypedArrayProto.slice = recording('slice', TypedArrayProto.slice);
  Array.prototype[Symbol.iterator] = recording('array iterator', Array.prototype[Symbol.iterator]);
  const ArrayIteratorProto = Object.getPrototypeOf([][Symbol.iterator]());
  ArrayIteratorProto.next = recording('array iterator next', ArrayIteratorProto.next);
  MessagePort.prototype.postMessage = recording('MessagePort.postMessage', MessagePort.prototype.postMessage);
  EventTarget.prototype.dispatchEvent = recording('dispatchEvent', EventTarget.prototype.dispatchEvent);
  const nativeAddEventListener = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function addEventListener(type, listener, options) {
    const wrapped = typeof listener === 'function' ? function (event) { note(event, 'listener ' + type); return apply(listener, this, [event]); } : listener;
    return apply(nativeAddEventListener, this, [type, wrapped, options]);
  };
  defineProperty(MessageEvent.prototype, 'data', dict({ configurable: true, enumerable: true, get: recording('MessageEvent.data', eventData) }));
  defineProperty(MessageEvent.prototype, 'ports', dict({ configurable: true, enumerable: true, get: recording('MessageEvent.ports', eventPorts) }));
  const emptyCollection = document.getElementsByTagName('callseal-none');
  defineProperty(Document.prototype, 'scripts', dict({ configurable: true, enumerable: true, get: () => emptyCollection }));

  // Take any port a hook or bridge offers, and offer ports of its own.
  for (const type of ['callseal:hook-offer', 'callseal:bridge-ready', 'callseal:child-realm']) {
    apply(nativeAddEventListener, window, [type, (event) => note(event, 'event ' + type), true]);
    apply(nativeAddEventListener, document, [type, (event) => note(event, 'event ' + type)]);
  }
  const ownChannel = () => { const c = new MessageChannel(); ownPorts.add(c.port1); ownPorts.add(c.port2); c.port1.onmessage = (e) => push(H.repliesOnOwnPorts, typeof e.data === 'string' ? e.data : JSON.stringify(e.data)); return c; };
  const fakeA = ownChannel(), fakeB = ownChannel();
  document.dispatchEvent(new Event('callseal:bridge-ready'));
  H.fakeOfferTaken = !document.dispatchEvent(new MessageEvent('callseal:hook-offer', { cancelable: true, ports: [fakeA.port2, fakeB.port2] }));
  // Act as the hook and as the worker on the ports it offered.
  fakeA.port1.postMessage('media-requested');
  fakeB.port1.postMessage({ kind: 'attach' });
  fakeB.port1.postMessage({ kind: 'sign', requestId: 1, input: new Uint8Array(40).fill(0x42) });
  fakeB.port1.postMessage({ kind: 'sign-hello', requestId: 2, body: nativeBtoa('x'.repeat(83)) });

  window.hostile = { report: () => JSON.parse(JSON.stringify(H)) };

  // Last: accessors on Object.prototype (nothing above may read through them).
  const accessor = (name, throwing) => dict({
    configurable: true,
    get() {
      if (throwing) throw new Error('hostile getter: ' + name);
      if (!busy) { busy = true; try { if (H.getterHits.length < 200) push(H.getterHits, name); note(this, 'getter ' + name + ' this'); } finally { busy = false; } }
      return undefined;
    },
    // Assignments still make own properties, so ordinary code keeps working.
    set(value) { defineProperty(this, name, dict({ value, writable: true, enumerable: true, configurable: true })); },
  });
  for (const name of DICTIONARY_MEMBERS) defineProperty(Object.prototype, name, accessor(name, MODE === 'throw'));
  for (const name of MESSAGE_FIELDS) defineProperty(Object.prototype, name, accessor(name, false));
})();</script>`;
}
