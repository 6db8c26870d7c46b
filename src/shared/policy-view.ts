/**
 * What the popup says about policy (docs/admin.md §4), as the background sends it: who decides, which named policy
 * applies and to whom it was assigned, and the sentences to show. The background writes every sentence
 * (background/tenant/policy-view.ts); the popup shows them as text and checks only the shape here, because a view
 * that renders `undefined` is worse than a failure.
 */

/** To whom the tenant document assigned the policy that applies. */
export type PolicyGrant = { kind: 'user' } | { kind: 'group'; group: string } | { kind: 'tenant' };

export interface PolicyView {
  /** 'organization' when the switch is locked or the tenant document decides. */
  decidedBy: 'user' | 'organization';
  /** The tenant document's named policy that applies. */
  policyName?: string;
  grantedBy?: PolicyGrant;
  /** The sentences, most important first (empty when there is nothing to say). */
  lines: string[];
  /** A tenant document is configured: the popup offers "Refresh". */
  canRefresh: boolean;
  /** The last refresh failed: since when (milliseconds since the epoch). */
  failingSince?: number;
  /** CallSeal holds every call's media: a policy may be on its way and has not arrived yet. */
  waiting?: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isPolicyGrant(value: unknown): value is PolicyGrant {
  if (!isRecord(value)) return false;
  if (value.kind === 'group') return typeof value.group === 'string';
  return value.kind === 'user' || value.kind === 'tenant';
}

export function isPolicyView(value: unknown): value is PolicyView {
  return (
    isRecord(value) &&
    (value.decidedBy === 'user' || value.decidedBy === 'organization') &&
    (value.policyName === undefined || typeof value.policyName === 'string') &&
    (value.grantedBy === undefined || isPolicyGrant(value.grantedBy)) &&
    Array.isArray(value.lines) &&
    value.lines.every((line) => typeof line === 'string') &&
    typeof value.canRefresh === 'boolean' &&
    (value.failingSince === undefined || Number.isSafeInteger(value.failingSince)) &&
    (value.waiting === undefined || typeof value.waiting === 'boolean')
  );
}
