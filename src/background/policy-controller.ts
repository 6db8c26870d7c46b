/**
 * The policy in force, kept current (docs/admin.md §1, §3): the managed keys (read whole, so every key is seen
 * together), the tenant document's refresher, and the user's switch. It decides when a policy may still be on its
 * way (policy-delivery.ts) and holds every frame meanwhile, keeps one refresher per (URL, pinned key, TenantId),
 * schedules refreshes (the caller wires `chrome.alarms`), and tells its listener whenever anything that changes a
 * frame's settings or the popup's words changed: the managed keys, the user's switch, a refresh, the end of the
 * grace, the document in force reaching its `notAfter`.
 *
 * Every browser API comes in through `PolicyControllerDeps`, so the unit tests run it with fakes; settings.ts wires
 * the real ones.
 */
import { decidedSnapshot, heldSnapshot, type PolicySnapshot } from './policy';
import { decideDelivery, isPolicy } from './policy-delivery';
import type { Clock } from './clock';
import { readManagedConfig, type ManagedConfig } from './tenant/managed-config';
import {
  nextRefreshMinutes,
  TenantPolicyRefresher,
  type PolicyFetch,
  type RefreshTrigger,
  type TenantPolicyState,
  type TenantPolicyStore,
} from './tenant/refresher';

/** A storage area as the controller uses it (webextension-polyfill's `storage.local`/`.session` fit). */
export interface KeyValueArea {
  get(keys: string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

interface PolicyControllerDeps {
  /** `storage.managed.get(null)`: the whole managed object, `{}` when there is none (or it cannot be read). */
  readManaged(): Promise<unknown>;
  /** `storage.local`: the user's switch and the remembered policy. */
  local: KeyValueArea;
  /** `storage.session`: survives service-worker restarts, cleared when the browser or the extension restarts. */
  session: KeyValueArea;
  /** `management.getSelf().installType`, or undefined when it cannot be read. */
  installType(): Promise<string | undefined>;
  tenantStore: TenantPolicyStore;
  fetch: PolicyFetch;
  clock: Clock;
  /** Wake the background for a refresh in `minutes` (chrome.alarms), replacing any earlier request. */
  scheduleRefresh(minutes: number): void;
  /** No tenant document is configured: no more refreshes. */
  cancelRefresh(): void;
  /** Operational problems (never keys or documents). */
  warn?(message: string, error?: unknown): void;
  graceMs?: number;
  /** For the popup's times (tests pass a fixed format). */
  formatTime?: (ms: number) => string;
}

/** storage.local: the user's last explicit switch (true/false; absent if never used). */
export const ENABLED_KEY = 'e2eeEnabled';
/** storage.local: the last managed policy seen, standing in until the browser delivers it again. */
export const REMEMBERED_POLICY_KEY = 'rememberedManagedPolicy';
/** storage.local, before this version: only E2EEMode was remembered. Read once, then removed. */
const OLD_REMEMBERED_MODE_KEY = 'lastE2EEModePolicy';
/** storage.local: a browser session waited its full grace and got no policy (cleared when one is delivered). */
export const KNOWN_NONE_KEY = 'managedPolicyKnownNone';
/** storage.session: the browser has delivered its managed policy (or had its chance to) in this session. */
export const SETTLED_KEY = 'managedPolicySettled';
/** storage.session: set at the first start of the background in this browser session. */
const STARTED_KEY = 'backgroundStarted';

/** The longest timer a service worker can set (about 24.8 days); a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** chrome.alarms' shortest delay. */
const MIN_ALARM_MINUTES = 0.5;

type Source = 'delivered' | 'remembered' | 'none' | 'held';

const choiceOf = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

/** When the next refresh is due (undefined: now — nothing was ever fetched). */
function nextRefreshAt(state: TenantPolicyState): number | undefined {
  const failing = state.consecutiveFailures > 0;
  const base = failing ? state.problem?.at : state.lastSuccessAt;
  if (base === undefined) return undefined;
  return base + nextRefreshMinutes(state) * 60_000;
}

export class PolicyController {
  private source: Source = 'held';
  private config: ManagedConfig | undefined;
  private userChoice: boolean | undefined;
  private refresher: { key: string; instance: TenantPolicyRefresher; stop: () => void } | undefined;
  private graceTimer: unknown;
  private expiryTimer: unknown;
  private browserStart = false;
  private queue: Promise<void>;
  /** Fetches started on their own (at start), not through `refresh()`'s caller: `settled()` waits for them too. */
  private readonly fetches = new Set<Promise<void>>();
  private readonly listeners = new Set<() => void>();
  private readonly deps: PolicyControllerDeps;

  constructor(deps: PolicyControllerDeps) {
    this.deps = deps;
    this.queue = this.start().catch((error: unknown) => {
      // Reading storage failed: decide on what is known rather than never answering.
      this.warn('could not read the policy', error);
    });
  }

  /** The decision now; resolves once the stored state is loaded (before any network fetch). */
  async snapshot(): Promise<PolicySnapshot> {
    await this.queue;
    if (this.source === 'held' || !this.config) return heldSnapshot();
    const inputs = {
      managed: this.config,
      tenant: this.refresher?.instance.state,
      userChoice: this.userChoice,
      now: this.deps.clock.now(),
    };
    return decidedSnapshot(this.deps.formatTime ? { ...inputs, formatTime: this.deps.formatTime } : inputs);
  }

  /** Called whenever the snapshot may have changed. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** `storage.onChanged` for the managed area. */
  managedChanged(): void {
    this.enqueue(async () => {
      const raw = await this.readManaged();
      if (isPolicy(raw)) await this.applyDelivered(raw);
      else if (this.source !== 'held') await this.applyNone(); // The admin removed the policy.
    });
  }

  /** `storage.onChanged` for the user's switch (also from another context of the extension). */
  userChoiceChanged(): void {
    this.enqueue(async () => {
      this.userChoice = choiceOf((await this.deps.local.get([ENABLED_KEY]))[ENABLED_KEY]);
    });
  }

  async saveEnabled(enabled: boolean): Promise<void> {
    await this.deps.local.set({ [ENABLED_KEY]: enabled });
    this.enqueue(async () => void (this.userChoice = enabled));
    await this.queue;
  }

  /** Fetches the tenant document now (the alarm, the popup's Refresh); resolves when done. No-op without one. */
  async refresh(trigger: RefreshTrigger): Promise<void> {
    await this.queue;
    const refresher = this.refresher?.instance;
    if (!refresher) return;
    const state = await refresher.refresh(trigger);
    if (this.refresher?.instance === refresher) {
      this.deps.scheduleRefresh(Math.max(MIN_ALARM_MINUTES, nextRefreshMinutes(state)));
    }
  }

  /** Resolves once everything started so far has been applied. For tests. */
  async settled(): Promise<void> {
    let last: Promise<void> | undefined;
    while (last !== this.queue || this.fetches.size > 0) {
      last = this.queue;
      await last;
      await Promise.all([...this.fetches]);
    }
  }

  // ---- Internals -------------------------------------------------------------------------------------------

  private warn(message: string, error?: unknown): void {
    this.deps.warn?.(message, error);
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue
      .then(step)
      .catch((error: unknown) => this.warn('policy update failed', error))
      .then(() => this.notify());
  }

  private notify(): void {
    this.scheduleExpiry();
    for (const listener of this.listeners) listener();
  }

  private async readManaged(): Promise<unknown> {
    try {
      return await this.deps.readManaged();
    } catch {
      return {}; // No managed storage for this extension (or none yet).
    }
  }

  private async start(): Promise<void> {
    const { local, session } = this.deps;
    const [managed, stored, flags, installType] = await Promise.all([
      this.readManaged(),
      local.get([ENABLED_KEY, REMEMBERED_POLICY_KEY, OLD_REMEMBERED_MODE_KEY, KNOWN_NONE_KEY]),
      session.get([SETTLED_KEY, STARTED_KEY]).catch(() => ({}) as Record<string, unknown>),
      this.deps.installType().catch(() => undefined),
    ]);
    this.userChoice = choiceOf(stored[ENABLED_KEY]);
    this.browserStart = flags[STARTED_KEY] !== true;
    if (this.browserStart) await session.set({ [STARTED_KEY]: true }).catch(() => undefined);
    let remembered = stored[REMEMBERED_POLICY_KEY];
    const oldMode = stored[OLD_REMEMBERED_MODE_KEY];
    if (!isPolicy(remembered) && typeof oldMode === 'string') remembered = { E2EEMode: oldMode };
    if (oldMode !== undefined) await local.remove([OLD_REMEMBERED_MODE_KEY]);

    const evidence = {
      managed,
      settledThisSession: flags[SETTLED_KEY] === true,
      remembered,
      installedByAdmin: installType === 'admin',
      tenantDocumentCached: false,
      knownWithoutPolicy: stored[KNOWN_NONE_KEY] === true,
    };
    // The cached document (IndexedDB) is read only when nothing else decides: a cached document means a tenant
    // policy was configured here.
    if (decideDelivery(evidence).kind === 'none' && !evidence.settledThisSession) {
      evidence.tenantDocumentCached = (await this.deps.tenantStore.load().catch(() => undefined)) !== undefined;
    }
    const decision = decideDelivery(evidence);
    switch (decision.kind) {
      case 'delivered':
        return this.applyDelivered(decision.policy);
      case 'none':
        return this.applyNone();
      case 'remembered':
        await this.applyConfig(decision.policy, 'remembered');
        break;
      case 'held':
        this.source = 'held';
        break;
    }
    // Not delivered yet: give the browser its chance, then decide with what it delivered (or did not).
    this.graceTimer = this.deps.clock.setTimeout(() => {
      this.graceTimer = undefined;
      this.enqueue(async () => {
        const raw = await this.readManaged();
        if (isPolicy(raw)) return this.applyDelivered(raw);
        await this.deps.local.set({ [KNOWN_NONE_KEY]: true });
        await this.applyNone();
      });
    }, this.deps.graceMs ?? decision.graceMs);
  }

  private endGrace(): void {
    if (this.graceTimer !== undefined) this.deps.clock.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private async applyDelivered(policy: Record<string, unknown>): Promise<void> {
    this.endGrace();
    const { local, session } = this.deps;
    const stored = (await local.get([REMEMBERED_POLICY_KEY]))[REMEMBERED_POLICY_KEY];
    if (JSON.stringify(stored) !== JSON.stringify(policy)) await local.set({ [REMEMBERED_POLICY_KEY]: policy });
    await local.remove([KNOWN_NONE_KEY]);
    await session.set({ [SETTLED_KEY]: true }).catch(() => undefined);
    await this.applyConfig(policy, 'delivered');
  }

  private async applyNone(): Promise<void> {
    this.endGrace();
    await this.deps.local.remove([REMEMBERED_POLICY_KEY]);
    await this.deps.session.set({ [SETTLED_KEY]: true }).catch(() => undefined);
    await this.applyConfig({}, 'none');
  }

  private async applyConfig(policy: Record<string, unknown>, source: Source): Promise<void> {
    const config = await readManagedConfig(policy);
    this.config = config;
    this.source = source;
    await this.setUpTenant(config);
  }

  /** One refresher per (URL, pinned key, TenantId); another setup replaces it, none removes it. */
  private async setUpTenant(config: ManagedConfig): Promise<void> {
    const tenant = config.tenant;
    if (tenant.kind !== 'configured') {
      if (this.refresher) {
        this.refresher.stop();
        this.refresher = undefined;
      }
      this.deps.cancelRefresh();
      return;
    }
    const key = JSON.stringify([tenant.url, tenant.key.keyId, tenant.tenantId ?? null]);
    if (this.refresher?.key === key) return;
    this.refresher?.stop();
    const instance = new TenantPolicyRefresher(
      { url: tenant.url, key: tenant.key, tenantId: tenant.tenantId },
      { fetch: this.deps.fetch, store: this.deps.tenantStore, now: () => this.deps.clock.now() },
    );
    const stop = instance.onChange(() => this.notify());
    this.refresher = { key, instance, stop };
    await instance.load();
    // Fetch now when the browser just started, when nothing was ever fetched, or when a refresh is due; else wake
    // up when it is (the alarm may not have survived a browser restart).
    const due = nextRefreshAt(instance.state);
    const now = this.deps.clock.now();
    if (this.browserStart || due === undefined || due <= now) {
      const fetch = this.refresh('start').catch((error: unknown) => this.warn('policy fetch failed', error));
      this.fetches.add(fetch);
      void fetch.finally(() => this.fetches.delete(fetch));
    } else {
      this.deps.scheduleRefresh(Math.max(MIN_ALARM_MINUTES, (due - now) / 60_000));
    }
  }

  /** The document in force stops counting at its notAfter: tell the listener then. */
  private scheduleExpiry(): void {
    if (this.expiryTimer !== undefined) this.deps.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const notAfter = this.refresher?.instance.state.inForce?.verified.document.notAfter;
    const now = this.deps.clock.now();
    if (notAfter === undefined || notAfter <= now) return;
    this.expiryTimer = this.deps.clock.setTimeout(() => {
      this.expiryTimer = undefined;
      this.notify();
    }, Math.min(notAfter - now, MAX_TIMER_MS));
  }
}
