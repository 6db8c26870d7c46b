import { t } from '../shared/i18n';
import type { PolicyView } from '../shared/policy-view';

interface Props {
  policy: PolicyView;
  /** "Refresh" was clicked and its view has not arrived yet. */
  pending: boolean;
  onRefresh(): void;
}

/**
 * What the organization decided, in the background's sentences (docs/admin.md §4): which policy applies and to
 * whom it was assigned, why the switch is locked, whether the policy could be refreshed and since when not. With a
 * tenant policy configured, "Refresh" fetches it at once.
 */
export function PolicyPanel({ policy, pending, onRefresh }: Props) {
  if (policy.lines.length === 0 && !policy.canRefresh) return null;
  return (
    <section
      class={`policy${policy.failingSince !== undefined ? ' policy-failing' : ''}${policy.waiting ? ' policy-waiting' : ''}`}
      data-decided-by={policy.decidedBy}
    >
      {policy.lines.length > 0 && (
        <div id="policy-note" class="policy-note" data-testid="policy-note" data-policy={policy.policyName}>
          {policy.lines.map((line) => (
            <p>{line}</p>
          ))}
        </div>
      )}
      {policy.canRefresh && (
        <button
          type="button"
          class="policy-refresh"
          data-testid="policy-refresh"
          aria-busy={pending ? 'true' : 'false'}
          disabled={pending}
          onClick={onRefresh}
        >
          {pending ? t('policy_refreshing') : t('policy_refresh')}
        </button>
      )}
    </section>
  );
}
