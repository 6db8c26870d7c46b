/**
 * What the popup says about policy (docs/admin.md §4): who decides, which named policy applies and to whom it was
 * assigned, why the switch is locked, and whether the tenant document could be refreshed. Every sentence is
 * CallSeal's own; the only inserted text is the policy and group names from the signed document and times.
 */
import type { EffectivePolicy, OriginDecision } from './effective';
import type { TenantPolicyErrorCode } from './errors';
import type { ManagedConfig } from './managed-config';
import type { TenantPolicyState } from './refresher';
import type { PolicyView } from '../../shared/policy-view';
import type { GrantedBy } from './resolve';

export type { PolicyView } from '../../shared/policy-view';

const FAIL_CLOSED_TAIL = 'calls are encrypted, and blocked where they cannot be.';

const REFUSED: Readonly<Record<Exclude<TenantPolicyErrorCode, 'unreachable'>, string>> = {
  malformed: 'it is not a valid policy document',
  'bad-signature': 'its signature is not valid',
  'wrong-tenant': 'it is for another organization',
  expired: 'it has expired',
  rollback: 'it is older than the policy in force',
  'serial-reused': 'it reuses the serial number of the policy in force with different content',
};

const MODE_WORDS = {
  disabled: 'turns end-to-end encrypted calls off',
  allowed: 'lets you choose whether calls are end-to-end encrypted',
  onByDefault: 'turns end-to-end encrypted calls on by default; you may turn them off',
  required: 'requires end-to-end encrypted calls: calls that cannot be encrypted are blocked',
} as const;

const MANAGED_WORDS = {
  disabled: 'Your organization has turned off end-to-end encrypted calls.',
  allowed: undefined,
  onByDefault: 'Your organization turns end-to-end encrypted calls on by default; you may turn them off.',
  required: 'Your organization requires end-to-end encrypted calls: calls that cannot be encrypted are blocked.',
} as const;

function assignedTo(grantedBy: GrantedBy): string {
  switch (grantedBy.kind) {
    case 'user':
      return 'assigned to you';
    case 'group':
      return `assigned to your group ${grantedBy.group}`;
    case 'tenant':
      return 'for everyone in your organization';
  }
}

export const defaultFormatTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function policyView(
  managed: ManagedConfig,
  policy: EffectivePolicy,
  decision: OriginDecision,
  tenant: TenantPolicyState | undefined,
  formatTime: (ms: number) => string = defaultFormatTime,
): PolicyView {
  const lines: string[] = [];
  const view: PolicyView = { decidedBy: decision.canToggle ? 'user' : 'organization', lines, canRefresh: false };
  const { source } = policy;
  switch (source.kind) {
    case 'managed':
    case 'tenant-no-grant': {
      const words = MANAGED_WORDS[policy.mode];
      if (words) lines.push(words);
      break;
    }
    case 'tenant':
      view.decidedBy = 'organization';
      view.policyName = source.policyName;
      view.grantedBy = source.grantedBy;
      lines.push(
        decision.inScope
          ? `Your organization's policy “${source.policyName}” (${assignedTo(source.grantedBy)}) ${MODE_WORDS[policy.mode]}.`
          : `Your organization's policy “${source.policyName}” limits CallSeal to its call sites; CallSeal is off on this site.`,
      );
      break;
    case 'fail-closed':
      view.decidedBy = 'organization';
      if (source.reason === 'pending') lines.push(`Waiting for your organization's policy: ${FAIL_CLOSED_TAIL}`);
      if (source.reason === 'expired') {
        const notAfter = tenant?.inForce?.verified.document.notAfter ?? 0;
        lines.push(`Your organization's policy expired on ${formatTime(notAfter)} and could not be renewed: ${FAIL_CLOSED_TAIL}`);
      }
      if (source.reason === 'misconfigured' && managed.tenant.kind === 'misconfigured') {
        const problems = managed.tenant.problems.map((p) => p.problem).join(' ');
        lines.push(`Your organization's CallSeal settings are incomplete (${problems}): ${FAIL_CLOSED_TAIL}`);
      }
      break;
  }

  if (managed.tenant.kind === 'configured') {
    view.canRefresh = true;
    const problem = tenant?.problem;
    if (problem && tenant?.failingSince !== undefined) {
      view.failingSince = tenant.failingSince;
      const since = formatTime(tenant.failingSince);
      lines.push(
        problem.code === 'unreachable'
          ? `Could not refresh your organization's policy since ${since} (${problem.message}).`
          : `Could not refresh your organization's policy since ${since}: the server's document was refused because ${REFUSED[problem.code]}.`,
      );
      const inForce = tenant.inForce;
      if (inForce && source.kind !== 'fail-closed') {
        const { document } = inForce.verified;
        lines.push(`The policy of ${formatTime(document.issuedAt ?? inForce.acceptedAt)} (serial ${document.serial}) stays in force.`);
      }
    }
  }
  for (const issue of managed.issues) lines.push(issue.problem);
  return view;
}
