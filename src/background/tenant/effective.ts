/**
 * The decision: the managed keys and the tenant document combined (docs/admin.md §3.3–3.6), then applied to one
 * frame's origin and the user's switch. Pure, with the clock as an argument.
 *
 * - No tenant setup: `E2EEMode` decides (unset: `allowed`), everywhere.
 * - A valid document in force: the named policy resolved for this user decides; `E2EEMode` only when the
 *   document grants this user nothing. It is a fallback, not a floor, so that a group can be granted less than
 *   the machine default (a call centre that must record).
 * - A tenant setup with no usable document (none fetched yet, setup misconfigured, the one in force expired):
 *   `required` everywhere. Never a timed grace: it would lapse exactly when the fetch is being blocked.
 */
import type { Mode } from './document';
import type { ManagedConfig } from './managed-config';
import { matchesAnyOrigin, type OriginPattern } from './origin-pattern';
import type { TenantPolicyState } from './refresher';
import { resolvePolicy, type GrantedBy } from './resolve';

type FailClosedReason = 'pending' | 'misconfigured' | 'expired';

type EffectiveSource =
  | { kind: 'managed'; modeSet: boolean }
  | { kind: 'tenant'; policyName: string; grantedBy: GrantedBy; serial: number }
  | { kind: 'tenant-no-grant'; serial: number; modeSet: boolean }
  | { kind: 'fail-closed'; reason: FailClosedReason };

export interface EffectivePolicy {
  mode: Mode;
  /** Where CallSeal acts; absent: everywhere. */
  sites?: readonly OriginPattern[];
  source: EffectiveSource;
}

export function effectivePolicy(managed: ManagedConfig, tenant: TenantPolicyState | undefined, now: number): EffectivePolicy {
  const machine: Mode = managed.e2eeMode ?? 'allowed';
  const modeSet = managed.e2eeMode !== undefined;
  const failClosed = (reason: FailClosedReason): EffectivePolicy => ({ mode: 'required', source: { kind: 'fail-closed', reason } });
  switch (managed.tenant.kind) {
    case 'none':
      return { mode: machine, source: { kind: 'managed', modeSet } };
    case 'misconfigured':
      return failClosed('misconfigured');
    case 'configured':
      break;
  }
  const inForce = tenant?.inForce?.verified.document;
  if (!inForce) return failClosed('pending');
  if (inForce.notAfter !== undefined && now >= inForce.notAfter) return failClosed('expired');
  const resolved = resolvePolicy(inForce, managed.subject);
  if (!resolved) return { mode: machine, source: { kind: 'tenant-no-grant', serial: inForce.serial, modeSet } };
  const { policy, grantedBy } = resolved;
  const effective: EffectivePolicy = {
    mode: policy.mode,
    source: { kind: 'tenant', policyName: policy.name, grantedBy, serial: inForce.serial },
  };
  if (policy.sites) effective.sites = policy.sites;
  return effective;
}

export interface OriginDecision {
  /** False outside the policy's call sites: CallSeal does nothing there. */
  inScope: boolean;
  /** E2EE on for this frame. */
  enabled: boolean;
  /** With E2EE on, a peer without CallSeal may be called in clear. */
  allowPlaintextFallback: boolean;
  /** The user's switch may change `enabled`. */
  canToggle: boolean;
}

/**
 * The settings for one frame. `origin` is the frame's own origin (`sender.origin`); `undefined` (not a web page)
 * is in scope only for a policy without sites. `userChoice` is the user's last explicit switch, `undefined` if
 * they never used it.
 */
export function decideForOrigin(policy: EffectivePolicy, origin: string | undefined, userChoice: boolean | undefined): OriginDecision {
  const inScope = policy.sites === undefined || (origin !== undefined && matchesAnyOrigin(policy.sites, origin));
  if (!inScope) return { inScope, enabled: false, allowPlaintextFallback: true, canToggle: false };
  switch (policy.mode) {
    case 'disabled':
      return { inScope, enabled: false, allowPlaintextFallback: true, canToggle: false };
    case 'allowed':
      return { inScope, enabled: userChoice === true, allowPlaintextFallback: true, canToggle: true };
    case 'onByDefault':
      return { inScope, enabled: userChoice !== false, allowPlaintextFallback: true, canToggle: true };
    case 'required':
      return { inScope, enabled: true, allowPlaintextFallback: false, canToggle: false };
  }
}
