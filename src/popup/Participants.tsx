import type { ParticipantStatus } from '../shared/call-status';
import { t } from '../shared/i18n';

const STATE_WORDS = {
  encrypted: 'participant_state_encrypted',
  connecting: 'participant_state_connecting',
  verified: 'participant_state_verified',
  'identity-changed': 'participant_state_identity_changed',
} as const satisfies Record<ParticipantStatus['state'], string>;

/**
 * The other people of a group call encrypted with sender keys (protocol.md §11.9): first the group code everyone reads
 * aloud (§11.7) — or, while its round is not complete, plainly none — then each person with its state, who can decrypt
 * whom, and its own 20-digit code, to compare with that person as in a call of two. A name is the user's contact's, or
 * a claim the person's identity signed ("says they are …"), never shown as fact.
 */
export function Participants({ participants, groupCode }: { participants: readonly ParticipantStatus[]; groupCode?: string | undefined }) {
  return (
    <section class="participants" aria-labelledby="participants-heading" data-testid="participants">
      <h2 id="participants-heading">{t('participants_heading')}</h2>
      <div class="group-code" data-testid="group-code-section">
        <p class="group-code-label">{t('group_code_label')}</p>
        {groupCode !== undefined ? (
          <>
            <p class="security-code" data-testid="group-code">
              {groupCode}
            </p>
            <p class="group-code-hint">{t('group_code_hint')}</p>
          </>
        ) : (
          <p class="group-code-pending" data-testid="group-code-pending">
            {t('group_code_pending')}
          </p>
        )}
      </div>
      <ul>
        {participants.map((p, index) => (
          <li key={p.peerIdentityPublicKey} data-testid="participant" data-state={p.state}>
            <p class="participant-name">
              {p.contact?.name
                ? p.contact.name
                : p.peerName !== undefined
                  ? t('participant_claim', p.peerName)
                  : t('participant_unnamed', index + 1)}
              {' — '}
              <span data-testid="participant-state">{t(STATE_WORDS[p.state])}</span>
            </p>
            <p class="participant-directions">
              {t(p.hearsYou ? 'participant_hears_you_yes' : 'participant_hears_you_no')};{' '}
              {t(p.youHear ? 'participant_you_hear_yes' : 'participant_you_hear_no')}
            </p>
            <p class="security-code participant-code" data-testid="participant-code">
              {p.securityCode}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
