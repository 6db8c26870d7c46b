/**
 * Keeps the tenant document in force (docs/admin.md §3.5, §3.7): loads the last good one from the store (verified
 * again against the pinned key), fetches on demand — at start, on the alarm, from the popup — and replaces it only
 * with a document that passes every check. Whatever goes wrong (server down, bad signature, rollback, …) leaves
 * the document in force alone and is recorded with its time, so the popup can say "could not refresh since …".
 *
 * Pure of browser APIs: fetch, storage and the clock are injected; the background wires them to `fetch`,
 * IndexedDB and `chrome.alarms` (which calls `refresh('schedule')` after `nextRefreshMinutes`).
 */
import { acceptDocument } from './acceptance';
import { DEFAULT_REFRESH_MINUTES } from './document';
import { openEnvelope, type VerifiedDocument } from './envelope';
import { isTenantPolicyError, TenantPolicyError, type TenantPolicyErrorCode } from './errors';
import type { PinnedPolicyKey } from './policy-key';

export interface FetchResult {
  status: number;
  body: Uint8Array;
}
/** GET `url` without credentials or caches; must give up when `signal` aborts. */
export type PolicyFetch = (url: string, signal: AbortSignal) => Promise<FetchResult>;

export interface TenantProblem {
  code: TenantPolicyErrorCode;
  /** For logs and the CLI (English); the popup says it from the code and the fields below. */
  message: string;
  at: number;
  /** `unreachable`: the server did not answer in time. */
  timedOut?: boolean;
  /** `unreachable`: the server answered with this HTTP status. */
  httpStatus?: number;
}

/** What the store keeps (one record; IndexedDB at integration). */
export interface StoredTenantPolicy {
  /** The setup the record belongs to: another pinned key or TenantId drops it. */
  keyId: string;
  tenantId: string | undefined;
  /** The last good envelope's bytes, exactly as fetched. */
  envelope?: Uint8Array;
  acceptedAt?: number;
  lastSuccessAt?: number;
  failingSince?: number;
  consecutiveFailures: number;
  problem?: TenantProblem;
}

export interface TenantPolicyStore {
  load(): Promise<StoredTenantPolicy | undefined>;
  save(record: StoredTenantPolicy): Promise<void>;
}

export interface TenantPolicySetup {
  url: string;
  key: PinnedPolicyKey;
  tenantId?: string | undefined;
}

export interface TenantPolicyState {
  /** The document in force, and when it was first accepted. */
  inForce?: { verified: VerifiedDocument; acceptedAt: number };
  /** The last refresh that reached the server and found this document or a newer valid one. */
  lastSuccessAt?: number;
  /** The first failed refresh since the last success. */
  failingSince?: number;
  consecutiveFailures: number;
  /** Why the last refresh failed. */
  problem?: TenantProblem;
}

export type RefreshTrigger = 'start' | 'schedule' | 'user';

export interface RefresherOptions {
  fetch: PolicyFetch;
  store: TenantPolicyStore;
  now: () => number;
  timeoutMs?: number;
}

export const FETCH_TIMEOUT_MS = 15_000;
/** While no document is in force, retries are at most this many minutes apart. */
export const PENDING_RETRY_MINUTES = 5;

export class TenantPolicyRefresher {
  private current: TenantPolicyState = { consecutiveFailures: 0 };
  private loaded: Promise<void> | undefined;
  private inFlight: Promise<TenantPolicyState> | undefined;
  private readonly listeners = new Set<(state: TenantPolicyState) => void>();

  constructor(
    private readonly setup: TenantPolicySetup,
    private readonly options: RefresherOptions,
  ) {}

  get state(): TenantPolicyState {
    return this.current;
  }

  onChange(listener: (state: TenantPolicyState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the stored document (once); the state is then usable before any fetch. */
  load(): Promise<void> {
    return (this.loaded ??= this.loadStored());
  }

  /**
   * Fetches now; concurrent calls share one fetch. Never throws. Every trigger fetches the same way; it is named
   * so that call sites say why they refresh.
   */
  refresh(_trigger: RefreshTrigger): Promise<TenantPolicyState> {
    return (this.inFlight ??= this.load()
      .then(() => this.fetchAndApply())
      .finally(() => (this.inFlight = undefined)));
  }

  private async loadStored(): Promise<void> {
    let record: StoredTenantPolicy | undefined;
    try {
      record = await this.options.store.load();
    } catch {
      record = undefined; // An unreadable store is an empty one: nothing in force, so the policy fails closed.
    }
    if (!record || record.keyId !== this.setup.key.keyId || record.tenantId !== this.setup.tenantId) return;
    const state: TenantPolicyState = { consecutiveFailures: record.consecutiveFailures };
    if (record.lastSuccessAt !== undefined) state.lastSuccessAt = record.lastSuccessAt;
    if (record.failingSince !== undefined) state.failingSince = record.failingSince;
    if (record.problem) state.problem = record.problem;
    if (record.envelope) {
      try {
        const verified = await openEnvelope(record.envelope, this.setup.key);
        state.inForce = { verified, acceptedAt: record.acceptedAt ?? 0 };
      } catch {
        // Stored by us after the same checks, so only a damaged store gets here: nothing is in force.
      }
    }
    this.update(state);
  }

  private async fetchAndApply(): Promise<TenantPolicyState> {
    const now = this.options.now();
    let next: TenantPolicyState;
    try {
      const verified = await openEnvelope(await this.download(), this.setup.key);
      const inForce = this.current.inForce;
      const verdict = acceptDocument(verified, { tenantId: this.setup.tenantId, now, inForce: inForce?.verified });
      next = { consecutiveFailures: 0, lastSuccessAt: now };
      if (verdict === 'new') next.inForce = { verified, acceptedAt: now };
      else if (inForce) next.inForce = inForce;
    } catch (error) {
      const problem: TenantProblem = isTenantPolicyError(error)
        ? { code: error.code, message: error.message, at: now, ...error.detail }
        : { code: 'malformed', message: 'the document could not be read', at: now };
      next = { ...this.current, problem, consecutiveFailures: this.current.consecutiveFailures + 1 };
      next.failingSince = this.current.failingSince ?? now;
    }
    this.update(next);
    await this.save(next);
    return next;
  }

  private async download(): Promise<Uint8Array> {
    let result: FetchResult;
    try {
      result = await this.options.fetch(this.setup.url, AbortSignal.timeout(this.options.timeoutMs ?? FETCH_TIMEOUT_MS));
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw timedOut
        ? new TenantPolicyError('unreachable', 'the server did not answer in time', { timedOut: true })
        : new TenantPolicyError('unreachable', 'the server could not be reached');
    }
    if (result.status !== 200) {
      throw new TenantPolicyError('unreachable', `the server answered HTTP ${result.status}`, { httpStatus: result.status });
    }
    return result.body;
  }

  private async save(state: TenantPolicyState): Promise<void> {
    const record: StoredTenantPolicy = {
      keyId: this.setup.key.keyId,
      tenantId: this.setup.tenantId,
      consecutiveFailures: state.consecutiveFailures,
    };
    if (state.inForce) {
      record.envelope = state.inForce.verified.envelope;
      record.acceptedAt = state.inForce.acceptedAt;
    }
    if (state.lastSuccessAt !== undefined) record.lastSuccessAt = state.lastSuccessAt;
    if (state.failingSince !== undefined) record.failingSince = state.failingSince;
    if (state.problem) record.problem = state.problem;
    try {
      await this.options.store.save(record);
    } catch {
      // The state in memory still holds for this service worker's life; the next success saves again.
    }
  }

  private update(state: TenantPolicyState): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}

/** When to fetch next: the document's interval after a success; 1, 2, 4, … minutes after failures. */
export function nextRefreshMinutes(state: TenantPolicyState): number {
  const interval = state.inForce?.verified.document.refreshMinutes ?? DEFAULT_REFRESH_MINUTES;
  if (state.consecutiveFailures === 0) return state.inForce ? interval : 0;
  const cap = state.inForce ? interval : Math.min(interval, PENDING_RETRY_MINUTES);
  return Math.min(cap, 2 ** Math.min(state.consecutiveFailures - 1, 20));
}
