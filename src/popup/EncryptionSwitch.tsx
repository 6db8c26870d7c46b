import { t } from '../shared/i18n';

interface Props {
  enabled: boolean;
  canToggle: boolean;
  /** A click was sent and its view has not arrived yet. */
  pending: boolean;
  /** The policy's sentences are shown (PolicyPanel): the switch points at them. */
  describedByPolicy: boolean;
  onToggle(next: boolean): void;
}

/** The user's switch, "End-to-end encrypted calls". Fixed when a policy sets it; PolicyPanel says why. */
export function EncryptionSwitch({ enabled, canToggle, pending, describedByPolicy, onToggle }: Props) {
  return (
    <section class="switch-row">
      <button
        type="button"
        role="switch"
        class="switch"
        aria-checked={enabled ? 'true' : 'false'}
        aria-busy={pending ? 'true' : 'false'}
        aria-describedby={describedByPolicy ? 'policy-note' : undefined}
        data-testid="e2ee-toggle"
        disabled={!canToggle}
        onClick={() => onToggle(!enabled)}
      >
        <span class="switch-label">{t('popup_switch')}</span>
        <span class="switch-track" aria-hidden="true">
          <span class="switch-knob" />
        </span>
      </button>
    </section>
  );
}
