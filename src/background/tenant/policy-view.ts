/**
 * What the popup says about policy (docs/admin.md §4): who decides, which named policy applies and to whom it was
 * assigned, why the switch is locked, and whether the tenant document could be refreshed. Every sentence is
 * CallSeal's own, in the user's language (`_locales`, through i18n.ts: chrome.i18n works in the service worker, and
 * follows the same browser UI language as the popup); the only inserted text is the policy and group names from the
 * signed document, the managed key names, numbers and times.
 */
import { t, type MessageKey } from '../../shared/i18n';
import type { Mode } from './document';
import type { EffectivePolicy, OriginDecision } from './effective';
import type { TenantPolicyErrorCode } from './errors';
import type { ManagedConfig, ManagedIssue, ManagedProblem } from './managed-config';
import type { TenantPolicyState, TenantProblem } from './refresher';
import type { PolicyView } from '../../shared/policy-view';
import type { GrantedBy } from './resolve';

export type { PolicyView } from '../../shared/policy-view';

/** Why the server's document was refused, one sentence each (the time it has been failing since goes in). */
const REFUSED: Readonly<Record<Exclude<TenantPolicyErrorCode, 'unreachable'>, MessageKey>> = {
  malformed: 'policy_refused_malformed',
  'bad-signature': 'policy_refused_bad_signature',
  'wrong-tenant': 'policy_refused_wrong_tenant',
  expired: 'policy_refused_expired',
  rollback: 'policy_refused_rollback',
  'serial-reused': 'policy_refused_serial_reused',
};

/** The tenant document's policy, by mode: "Your organization's policy “X” (assigned to …) …". */
const TENANT_WORDS: Readonly<Record<Mode, MessageKey>> = {
  disabled: 'policy_tenant_disabled',
  allowed: 'policy_tenant_allowed',
  onByDefault: 'policy_tenant_on_by_default',
  required: 'policy_tenant_required',
};

/** The managed E2EEMode alone (`allowed` says nothing: the user decides). */
const MANAGED_WORDS: Readonly<Record<Mode, MessageKey | undefined>> = {
  disabled: 'policy_managed_disabled',
  allowed: undefined,
  onByDefault: 'policy_managed_on_by_default',
  required: 'policy_managed_required',
};

function assignedTo(grantedBy: GrantedBy): string {
  switch (grantedBy.kind) {
    case 'user':
      return t('policy_grant_user');
    case 'group':
      return t('policy_grant_group', grantedBy.group);
    case 'tenant':
      return t('policy_grant_tenant');
  }
}

const ISSUE_WORDS: Readonly<Record<ManagedProblem, MessageKey>> = {
  'not-string-ignored': 'managed_not_string_ignored',
  'mode-invalid': 'managed_mode_invalid',
  'principal-invalid': 'managed_principal_invalid',
  'groups-invalid': 'managed_groups_invalid',
  'groups-not-list': 'managed_groups_not_list',
  'no-effect': 'managed_no_effect',
  'not-set': 'managed_not_set',
  'not-string': 'managed_not_string',
  'url-invalid': 'managed_url_invalid',
  'url-credentials': 'managed_url_credentials',
  'url-not-https': 'managed_url_not_https',
  'key-not-base64': 'managed_key_not_base64',
  'key-length': 'managed_key_length',
  'key-non-canonical': 'managed_key_non_canonical',
  'key-small-order': 'managed_key_small_order',
  'tenant-id-invalid': 'managed_tenant_id_invalid',
};

/** A managed key's problem as a sentence: "E2EEMode is not disabled, allowed, onByDefault or required; ignored." */
export function issueSentence(issue: ManagedIssue): string {
  return t(ISSUE_WORDS[issue.problem], issue.key, issue.count ?? 0);
}

/** Why the last refresh failed, since when. */
function refreshProblem(problem: TenantProblem, since: string): string {
  if (problem.code !== 'unreachable') return t(REFUSED[problem.code], since);
  if (problem.httpStatus !== undefined) return t('policy_refresh_http', since, problem.httpStatus);
  return problem.timedOut ? t('policy_refresh_timeout', since) : t('policy_refresh_unreachable', since);
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
      if (words) lines.push(t(words));
      break;
    }
    case 'tenant':
      view.decidedBy = 'organization';
      view.policyName = source.policyName;
      view.grantedBy = source.grantedBy;
      lines.push(
        decision.inScope
          ? t(TENANT_WORDS[policy.mode], source.policyName, assignedTo(source.grantedBy))
          : t('policy_tenant_out_of_scope', source.policyName),
      );
      break;
    case 'fail-closed':
      view.decidedBy = 'organization';
      if (source.reason === 'pending') lines.push(t('policy_fail_closed_pending'));
      if (source.reason === 'expired') {
        const notAfter = tenant?.inForce?.verified.document.notAfter ?? 0;
        lines.push(t('policy_fail_closed_expired', formatTime(notAfter)));
      }
      if (source.reason === 'misconfigured' && managed.tenant.kind === 'misconfigured') {
        const problems = managed.tenant.problems.map(issueSentence).join(' ');
        lines.push(t('policy_fail_closed_misconfigured', problems));
      }
      break;
  }

  if (managed.tenant.kind === 'configured') {
    view.canRefresh = true;
    const problem = tenant?.problem;
    if (problem && tenant?.failingSince !== undefined) {
      view.failingSince = tenant.failingSince;
      const since = formatTime(tenant.failingSince);
      lines.push(refreshProblem(problem, since));
      const inForce = tenant.inForce;
      if (inForce && source.kind !== 'fail-closed') {
        const { document } = inForce.verified;
        lines.push(t('policy_stays_in_force', formatTime(document.issuedAt ?? inForce.acceptedAt), document.serial));
      }
    }
  }
  for (const issue of managed.issues) lines.push(issueSentence(issue));
  return view;
}
