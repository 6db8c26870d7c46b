/**
 * Whether a policy may still be on its way (docs/admin.md §3.9, protocol.md §10). Chromium hands an extension its
 * managed storage some time after the extension starts — on a fresh profile, after the extension was installed by
 * the very policy that configures it — and until then `storage.managed` reads as empty. An empty read is therefore
 * not "no policy" until the browser has had its chance to deliver.
 *
 * Evidence that a policy may be coming, in the order it is checked:
 * - the browser already delivered in this browser session (`storage.session`, which survives service-worker
 *   restarts and is cleared when the browser or the extension restarts): then an empty read is the truth;
 * - a policy was seen before (remembered in `storage.local`): it applies at once, and is dropped only if the
 *   browser still has not delivered one when the grace ends;
 * - CallSeal was installed by policy (`management.getSelf().installType === 'admin'`; no permission needed), or a
 *   tenant document is cached: settings are held — no frame is sent or played — until the policy arrives or the
 *   grace ends.
 * Pure: storage and the browser are read by the caller.
 */

/**
 * How long after the service worker starts an empty managed storage may still mean "not delivered yet", while this
 * profile has never been told for sure that there is no policy. Measured in Chromium 156 on a fresh
 * force-installed profile: from 1–5 s after the service worker started to more than 45 s on a loaded two-core
 * machine (two browsers in a call), 86 s once after an install, more than 2 minutes once under load. Hence
 * minutes, not seconds: the hold ends as soon as the policy arrives.
 */
export const POLICY_GRACE_MS = 3 * 60_000;

/**
 * The hold when an earlier browser session of this profile already waited its full grace and got no policy (an
 * admin force-installed CallSeal without configuring it): short, so that such a profile does not wait minutes at
 * every browser start, but long enough for a policy added since, delivered at the usual speed.
 */
export const KNOWN_NONE_GRACE_MS = 15_000;

export interface DeliveryEvidence {
  /** `storage.managed.get(null)` now. */
  managed: unknown;
  /** The browser delivered (or had its full chance to) earlier in this browser session. */
  settledThisSession: boolean;
  /** The last managed policy seen, remembered in storage.local. */
  remembered: unknown;
  installedByAdmin: boolean;
  tenantDocumentCached: boolean;
  /** An earlier session waited its full grace and got no policy (remembered in storage.local). */
  knownWithoutPolicy: boolean;
}

export type DeliveryDecision =
  /** Managed storage has a policy: use it (and remember it). */
  | { kind: 'delivered'; policy: Record<string, unknown> }
  /** Nothing was delivered and nothing may be coming: no policy. */
  | { kind: 'none' }
  /** Nothing delivered yet; the remembered policy applies until the browser delivers or the grace ends. */
  | { kind: 'remembered'; policy: Record<string, unknown>; graceMs: number }
  /** Nothing delivered yet, and a policy may be coming: hold every frame until it does or the grace ends. */
  | { kind: 'held'; graceMs: number };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A managed object with at least one key (the browser passes only keys of the schema). */
export function isPolicy(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && Object.keys(value).length > 0;
}

export function decideDelivery(evidence: DeliveryEvidence): DeliveryDecision {
  if (isPolicy(evidence.managed)) return { kind: 'delivered', policy: evidence.managed };
  if (evidence.settledThisSession) return { kind: 'none' };
  if (isPolicy(evidence.remembered)) return { kind: 'remembered', policy: evidence.remembered, graceMs: POLICY_GRACE_MS };
  if (evidence.installedByAdmin || evidence.tenantDocumentCached) {
    return { kind: 'held', graceMs: evidence.knownWithoutPolicy ? KNOWN_NONE_GRACE_MS : POLICY_GRACE_MS };
  }
  return { kind: 'none' };
}
