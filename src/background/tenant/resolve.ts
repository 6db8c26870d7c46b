/**
 * Which named policy of the document applies to this browser profile: user beats group beats tenant, and among
 * groups the first grant listed wins (Teams' group ranking). docs/admin.md §3.3. `undefined` when the document
 * grants this user nothing; the managed E2EEMode then decides.
 */
import type { PolicyGrant } from '../../shared/policy-view';
import { normalizePrincipal, type NamedPolicy, type TenantPolicyDocument } from './document';

/** To whom the document assigned the policy (shared with the popup, which names it). */
export type GrantedBy = PolicyGrant;

export interface ResolvedPolicy {
  policy: NamedPolicy;
  grantedBy: GrantedBy;
}

export interface PolicySubject {
  /** Managed `UserPrincipal`. */
  principal?: string | undefined;
  /** Managed `UserGroups`. */
  groups: readonly string[];
}

export function resolvePolicy(document: TenantPolicyDocument, subject: PolicySubject): ResolvedPolicy | undefined {
  const named = (name: string): NamedPolicy => {
    const policy = document.policies.get(name);
    // parseTenantPolicyDocument refuses grants of unknown policies.
    if (!policy) throw new Error(`grant of unknown policy ${name}`);
    return policy;
  };
  if (subject.principal !== undefined) {
    const principal = normalizePrincipal(subject.principal);
    const grant = document.grants.users.find((g) => g.user === principal);
    if (grant) return { policy: named(grant.policy), grantedBy: { kind: 'user' } };
  }
  const groups = new Set(subject.groups.map(normalizePrincipal));
  const groupGrant = document.grants.groups.find((g) => groups.has(g.group));
  if (groupGrant) return { policy: named(groupGrant.policy), grantedBy: { kind: 'group', group: groupGrant.group } };
  if (document.grants.tenant !== undefined) {
    return { policy: named(document.grants.tenant), grantedBy: { kind: 'tenant' } };
  }
  return undefined;
}
