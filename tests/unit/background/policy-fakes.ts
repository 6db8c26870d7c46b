/**
 * The real policy controller and the real router, with everything the browser provides faked in memory: managed,
 * local and session storage, management.getSelf(), the tenant server (serving envelopes signed by a test key), the
 * IndexedDB store, alarms and the clock. `restart()` makes a new service worker over the same storage, the way
 * Chrome restarts the background; `browserRestart()` also clears session storage and what the browser delivered.
 */
import { createRouter, type BackgroundRouter } from '../../../src/background/router';
import { PolicyController, type KeyValueArea } from '../../../src/background/policy-controller';
import type { FetchResult, StoredTenantPolicy } from '../../../src/background/tenant/refresher';
import { encodeBase64 } from '../../../src/background/tenant/strict-json';
import type { PopupView } from '../../../src/shared/messages';
import { harness as routerHarness, popupPort, type FakePort, type Harness } from './fakes';
import { documentWith, EXAMPLE_NOW, makeSigner, memoryStore, type TestSigner } from './tenant/support';

export const POLICY_URL = 'https://policy.contoso.example/tenant-policy.json';
/** Shown instead of real times, so sentences can be compared exactly. */
export const formatTime = (ms: number): string => `T+${(ms - EXAMPLE_NOW) / 60_000}min`;

export class MemoryArea implements KeyValueArea {
  readonly items = new Map<string, unknown>();
  async get(keys: string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of keys) if (this.items.has(key)) out[key] = structuredClone(this.items.get(key));
    return out;
  }
  async set(items: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(items)) this.items.set(key, structuredClone(value));
  }
  async remove(keys: string[]): Promise<void> {
    for (const key of keys) this.items.delete(key);
  }
}

export interface TenantServer {
  /** What the next fetch gets: an envelope, an HTTP status, or 'down'. */
  respond: (() => Promise<FetchResult>) | 'down';
  requests: number;
  /** Serves `doc` (the example document with changes) signed by the tenant key. */
  publish(changes?: Record<string, unknown>): Promise<void>;
  /** Serves bytes as they are. */
  serveBytes(body: Uint8Array): void;
}

export interface World {
  signer: TestSigner;
  server: TenantServer;
  /** What the browser has delivered as managed storage (the whole object). */
  managed: Record<string, unknown>;
  installType: string;
  local: MemoryArea;
  session: MemoryArea;
  tenantStore: ReturnType<typeof memoryStore>;
  alarms: { scheduled: number[]; cancelled: number };
  /** The managed keys that point at the test tenant. */
  tenantKeys(extra?: Record<string, unknown>): Record<string, unknown>;
}

export async function makeWorld(): Promise<World> {
  const signer = await makeSigner();
  const server: TenantServer = {
    respond: 'down',
    requests: 0,
    async publish(changes = {}) {
      const body = await signer.envelope(documentWith(changes));
      server.respond = async () => ({ status: 200, body });
    },
    serveBytes(body) {
      server.respond = async () => ({ status: 200, body });
    },
  };
  return {
    signer,
    server,
    managed: {},
    installType: 'normal',
    local: new MemoryArea(),
    session: new MemoryArea(),
    tenantStore: memoryStore(),
    alarms: { scheduled: [], cancelled: 0 },
    tenantKeys: (extra = {}) => ({
      TenantPolicyUrl: POLICY_URL,
      TenantPolicyKey: encodeBase64(signer.raw),
      TenantId: 'contoso.example',
      ...extra,
    }),
  };
}

export interface Background {
  world: World;
  h: Harness;
  policy: PolicyController;
  bg: BackgroundRouter;
  /** Lets every pending promise run (controller, router, fetches). */
  settle(): Promise<void>;
  /** The browser delivers (or changes) managed storage and says so. */
  deliver(managed: Record<string, unknown>): Promise<void>;
  open(port: FakePort): FakePort;
  watch(tabId?: number): Promise<FakePort>;
  /** The refresh alarm fires. */
  alarm(): Promise<void>;
}

/** Starts a background (a service worker) in `world`, at `now`. */
export async function startBackground(world: World, now = EXAMPLE_NOW): Promise<Background> {
  const h = routerHarness();
  h.clock.time = now;
  const policy = new PolicyController({
    readManaged: async () => structuredClone(world.managed),
    local: world.local,
    session: world.session,
    installType: async () => world.installType,
    tenantStore: world.tenantStore,
    fetch: async () => {
      world.server.requests += 1;
      if (world.server.respond === 'down') throw new TypeError('Failed to fetch');
      return world.server.respond();
    },
    clock: h.clock,
    scheduleRefresh: (minutes) => void world.alarms.scheduled.push(minutes),
    cancelRefresh: () => void (world.alarms.cancelled += 1),
    formatTime,
  });
  h.deps.settings = {
    load: () => policy.snapshot(),
    saveEnabled: (enabled) => policy.saveEnabled(enabled),
    refresh: () => policy.refresh('user'),
  };
  const bg = createRouter(h.deps);
  policy.onChange(() => bg.settingsChanged());
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      await policy.settled();
      await bg.settled();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  await settle();
  return {
    world,
    h,
    policy,
    bg,
    settle,
    async deliver(managed) {
      world.managed = managed;
      policy.managedChanged();
      await settle();
    },
    open(port) {
      bg.connect(port);
      return port;
    },
    async watch(tabId = 1) {
      const popup = popupPort();
      bg.connect(popup);
      popup.send({ kind: 'watch', tabId });
      await settle();
      return popup;
    },
    async alarm() {
      await policy.refresh('schedule');
      await settle();
    },
  };
}

/** A new service worker over the same storage (what Chrome does when it stops an idle background). */
export const restartServiceWorker = (world: World, now?: number): Promise<Background> => startBackground(world, now);

/** The browser restarts: session storage is gone, and managed storage is empty until delivered again. */
export function restartBrowser(world: World): void {
  world.session.items.clear();
  world.managed = {};
}

export const lastView = (popup: FakePort): PopupView => {
  const view = popup.ofKind('view').at(-1)?.view as PopupView | undefined;
  if (!view) throw new Error('no view');
  return view;
};

export const settingsOf = (port: FakePort) => port.ofKind('settings').map((m) => m.settings as Record<string, unknown>);

export type { StoredTenantPolicy };
