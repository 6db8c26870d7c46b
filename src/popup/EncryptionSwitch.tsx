import { t } from '../shared/i18n';

interface Props {
  enabled: boolean;
  canToggle: boolean;
  /** A click was sent and its view has not arrived yet. */
  pending: boolean;
  policyNote?: string | undefined;
  onToggle(next: boolean): void;
}

/** The user's switch, "End-to-end encrypted calls". Fixed, with the admin's note, when a policy sets it. */
export function EncryptionSwitch({ enabled, canToggle, pending, policyNote, onToggle }: Props) {
  return (
    <section class="switch-row">
      <button
        type="button"
        role="switch"
        class="switch"
        aria-checked={enabled ? 'true' : 'false'}
        aria-busy={pending ? 'true' : 'false'}
        aria-describedby={policyNote ? 'policy-note' : undefined}
        data-testid="e2ee-toggle"
        disabled={!canToggle}
        onClick={() => onToggle(!enabled)}
      >
        <span class="switch-label">{t('popup_switch')}</span>
        <span class="switch-track" aria-hidden="true">
          <span class="switch-knob" />
        </span>
      </button>
      {policyNote && (
        <p id="policy-note" class="policy-note" data-testid="policy-note">
          {policyNote}
        </p>
      )}
    </section>
  );
}
