/**
 * Stand-ins for what the background's router gets from the browser: runtime ports with their senders, a clock
 * with timers, the settings, the identity store, the verified peers and the toolbar. In memory, so the router's
 * rules run in Node without a browser.
 */
import type { ContactsBackend } from '../../../src/background/contacts';
import type { StoredContact, StoredIdentity } from '../../../src/background/database';
import type { IdentityStore } from '../../../src/background/identity';
import { decidedSnapshot, type PolicySnapshot } from '../../../src/background/policy';
import type { Mode } from '../../../src/background/tenant/document';
import type { PortLike } from '../../../src/background/ports';
import type { createRouter, RouterDeps } from '../../../src/background/router';
import type { SenderLike } from '../../../src/background/sender-check';
import type { TabCallStatus } from '../../../src/shared/call-status';
import { BRIDGE_PORT, POPUP_PORT, type PopupView, type SessionReport } from '../../../src/shared/messages';
import { FakeClock } from '../support/fake-clock';

export const EXTENSION_ID = 'nlnkaholkfmhjpfkjcnbpfglhkajpmgc';
export const EXTENSION_URL = `chrome-extension://${EXTENSION_ID}/`;

export class FakePort implements PortLike {
  readonly posted: unknown[] = [];
  disconnected = false;
  private readonly messageListeners: Array<(message: unknown) => void> = [];
  private readonly disconnectListeners: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly sender: SenderLike,
  ) {}

  postMessage(message: unknown): void {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.posted.push(message);
  }

  disconnect(): void {
    this.disconnected = true;
  }

  onMessage = { addListener: (callback: (message: unknown) => void) => void this.messageListeners.push(callback) };
  onDisconnect = { addListener: (callback: () => void) => void this.disconnectListeners.push(callback) };

  /** The other end sends a message. */
  send(message: unknown): void {
    for (const listener of this.messageListeners) listener(message);
  }

  /** The other end goes away (page navigated, tab closed, popup closed). */
  drop(): void {
    this.disconnected = true;
    for (const listener of this.disconnectListeners) listener();
  }

  /** Messages of one kind the background posted here. */
  ofKind<K extends string>(kind: K): Array<Record<string, unknown> & { kind: K }> {
    return this.posted.filter(
      (m): m is Record<string, unknown> & { kind: K } => (m as { kind?: unknown }).kind === kind,
    );
  }

  last(): unknown {
    return this.posted.at(-1);
  }
}

export function memoryIdentityStore(): IdentityStore & { loads: number; saves: number; stored: StoredIdentity | undefined } {
  const store = {
    loads: 0,
    saves: 0,
    stored: undefined as StoredIdentity | undefined,
    async load() {
      store.loads += 1;
      return store.stored;
    },
    async save(identity: StoredIdentity) {
      store.saves += 1;
      store.stored = identity;
    },
  };
  return store;
}

export interface Harness {
  deps: RouterDeps;
  clock: FakeClock;
  store: ReturnType<typeof memoryIdentityStore>;
  verified: Set<string>;
  toolbar: Map<number, TabCallStatus>;
  /** Changes the user's switch or the admin's mode (the router is told by `settingsChanged`). */
  setSettings(enabled: boolean, mode?: Mode): void;
  /** How often the popup's "Refresh" reached the settings source. */
  refreshes: number;
}

/** The decision for a machine mode alone (no tenant document) and the user's switch. */
export function modeSnapshot(enabled: boolean, mode: Mode = 'allowed'): PolicySnapshot {
  const managed = { e2eeMode: mode, tenant: { kind: 'none' as const }, subject: { groups: [] }, issues: [] };
  return decidedSnapshot({ managed, tenant: undefined, userChoice: enabled, now: 0 });
}

/** A policy that decides like `others` everywhere but at the origins listed, where it decides like theirs. */
export function byOrigin(others: PolicySnapshot, at: Record<string, PolicySnapshot>): PolicySnapshot {
  const pick = (origin: string | undefined): PolicySnapshot => (origin === undefined ? undefined : at[origin]) ?? others;
  return {
    held: others.held,
    settingsFor: (origin) => pick(origin).settingsFor(origin),
    tabPolicy: (origin) => pick(origin).tabPolicy(origin),
  };
}

export function harness(enabled = true, mode: Mode = 'allowed'): Harness {
  const clock = new FakeClock();
  const store = memoryIdentityStore();
  const verified = new Set<string>();
  const toolbar = new Map<number, TabCallStatus>();
  let settings: PolicySnapshot = modeSnapshot(enabled, mode);
  const h: Harness = {
    clock,
    store,
    verified,
    toolbar,
    refreshes: 0,
    setSettings(on, m = 'allowed') {
      settings = modeSnapshot(on, m);
    },
    deps: {
      extensionId: EXTENSION_ID,
      extensionUrl: EXTENSION_URL,
      clock,
      settings: {
        load: async () => settings,
        saveEnabled: async (on) => {
          settings = modeSnapshot(on, 'allowed');
        },
        refresh: async () => {
          h.refreshes += 1;
        },
      },
      identityStore: store,
      verifiedPeers: {
        has: (key) => verified.has(key),
        add: async (key) => void verified.add(key),
      },
      toolbar: {
        show: async (tabId, status) => void toolbar.set(tabId, status),
      },
    },
  };
  return h;
}

export interface BridgeOptions {
  tabId?: number;
  frameId?: number;
  url?: string;
  origin?: string;
  id?: string;
}

export function bridgePort(options: BridgeOptions = {}): FakePort {
  const url = options.url ?? 'https://call.example/room/1';
  const sender: SenderLike = {
    id: options.id ?? EXTENSION_ID,
    url,
    origin: options.origin ?? (url.startsWith('http') ? new URL(url).origin : 'https://call.example'),
    frameId: options.frameId ?? 0,
    tab: { id: options.tabId ?? 1 },
  };
  if (options.tabId === -1) delete sender.tab;
  return new FakePort(BRIDGE_PORT, sender);
}

export function popupPort(url = `${EXTENSION_URL}src/popup/index.html`): FakePort {
  return new FakePort(POPUP_PORT, { id: EXTENSION_ID, url });
}

/** What a background module hands its `track`: `settled()` waits until all of it, and what that started, is done. */
export function tracker(): { track(promise: Promise<unknown>): void; settled(): Promise<void> } {
  const work: Promise<unknown>[] = [];
  return {
    track: (promise) => void work.push(promise),
    async settled() {
      while (work.length > 0) await Promise.allSettled(work.splice(0));
    },
  };
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** A dependency the test holds mid-call: the fake awaits `pass()`, which says it was `reached`, until `release()`. */
export interface Hold {
  pass(): Promise<void>;
  reached: Promise<void>;
  release(): void;
}

/** A Hold, for a message whose handling waits while others queue behind it. */
export function hold(): Hold {
  const reached = deferred();
  const released = deferred();
  return {
    pass() {
      reached.resolve();
      return released.promise;
    },
    reached: reached.promise,
    release: released.resolve,
  };
}

/** Throws once for each failure left under `name` in `failures` (a storage or identity that rejects once). */
export function failOnce<K extends string>(failures: Record<K, number>, name: K): void {
  if (failures[name] <= 0) return;
  failures[name] -= 1;
  throw new Error(`${name} failed`);
}

/** Contacts kept in memory (the ContactBook's IndexedDB stand-in). */
export function memoryContactsBackend(): ContactsBackend {
  const records = new Map<string, StoredContact>();
  return {
    all: async () => [...records.values()],
    async write({ put, remove = [] }) {
      for (const key of remove) records.delete(key);
      if (put) records.set(put.identityPublicKey, { ...put });
    },
  };
}

/**
 * A page's bridge (frame 0 of tab 1) attached to the background, and a popup watching tab 1: `send` reports for the
 * frame (numbering them), `view` is the popup's latest view.
 */
export async function watchedCall(bg: ReturnType<typeof createRouter>) {
  const bridge = bridgePort();
  bg.connect(bridge);
  bridge.send({ kind: 'attach' });
  const popup = popupPort();
  bg.connect(popup);
  popup.send({ kind: 'watch', tabId: 1 });
  await bg.settled();
  let seq = 0;
  const send = async (r: SessionReport) => {
    bridge.send({ kind: 'session', report: { ...r, seq: ++seq } });
    await bg.settled();
  };
  const view = (): PopupView => popup.ofKind('view').at(-1)?.view as PopupView;
  return { bridge, popup, send, view };
}
