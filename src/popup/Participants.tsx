import type { ParticipantStatus } from '../shared/call-status';
import { t } from '../shared/i18n';
import type { ShownParticipant } from '../shared/messages';
import { participantName, pendingNames } from './participant-name';
import { typedContactName } from './SecurityCode';

interface Props {
  participants: readonly ParticipantStatus[];
  groupCode?: string | undefined;
  /** How many participants without CallSeal send in clear (§11.9), listed after those with CallSeal. */
  withoutCallSeal: number;
  /** What "Codes match" sends for a participant; undefined when it is verified or the view lacks the call. */
  shownOf(p: ParticipantStatus): ShownParticipant | undefined;
  /** A "Codes match" was clicked and its view has not arrived yet. */
  pending: boolean;
  onVerify(shown: ShownParticipant, contactName: string): void;
}

const STATE_WORDS = {
  encrypted: 'participant_state_encrypted',
  connecting: 'participant_state_connecting',
  verified: 'participant_state_verified',
  'identity-changed': 'participant_state_identity_changed',
  'needs-update': 'participant_state_needs_update',
} as const satisfies Record<ParticipantStatus['state'], string>;

/**
 * The other people of a group call encrypted with sender keys (protocol.md §11.9): first the group code everyone reads
 * aloud (§11.7) — or, while its round is not complete, plainly none, and whose part it waits for — then each person
 * with its state, who can decrypt whom, and its own 20-digit code, to compare with that person as in a call of two:
 * "Codes match" saves that person as a contact under the name typed next to it (§7.4). A name is the user's contact's,
 * or a claim the person's identity signed ("says they are …"), never shown as fact.
 */
export function Participants({ participants, groupCode, withoutCallSeal, shownOf, pending, onVerify }: Props) {
  const waitingFor = pendingNames(participants);
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
            {waitingFor === '' ? t('group_code_pending') : t('group_code_waiting_for', waitingFor)}
          </p>
        )}
      </div>
      <ul>
        {participants.map((p, index) => {
          const name = participantName(p, index);
          const shown = shownOf(p);
          return (
            <li key={p.peerIdentityPublicKey} data-testid="participant" data-state={p.state}>
              <p class="participant-name">
                {name}
                {' — '}
                <span data-testid="participant-state">{t(STATE_WORDS[p.state])}</span>
              </p>
              <p class="participant-directions">
                {p.state === 'needs-update' ? (
                  t('participant_needs_update_directions')
                ) : (
                  <>
                    {t(p.hearsYou ? 'participant_hears_you_yes' : 'participant_hears_you_no')};{' '}
                    {t(p.youHear ? 'participant_you_hear_yes' : 'participant_you_hear_no')}
                  </>
                )}
              </p>
              <p class="security-code participant-code" data-testid="participant-code">
                {p.securityCode}
              </p>
              {p.state !== 'needs-update' && shown !== undefined && (
                <form class="verify-form participant-verify" onSubmit={(event) => event.preventDefault()}>
                  <label class="field-label" for={`participant-contact-name-${index}`}>
                    {t('popup_contact_name')}
                  </label>
                  <input
                    key={p.peerIdentityPublicKey}
                    id={`participant-contact-name-${index}`}
                    name="contact-name"
                    class="text-input"
                    data-testid="participant-contact-name"
                    type="text"
                    autocomplete="off"
                    maxLength={64}
                    defaultValue={p.contact?.name || p.peerName || ''}
                  />
                  <button
                    type="submit"
                    class="primary"
                    data-testid="participant-mark-verified"
                    aria-label={t('participant_codes_match_label', name)}
                    disabled={pending || shown === undefined}
                    onClick={(event?: Event) => shown && onVerify(shown, typedContactName(event))}
                  >
                    {t('popup_codes_match')}
                  </button>
                </form>
              )}
            </li>
          );
        })}
        <WithoutCallSealRows count={withoutCallSeal} />
      </ul>
    </section>
  );
}

/**
 * Participants without CallSeal in a call that is not a group of CallSeal members (a call of two, and someone else
 * without CallSeal, §11.9): listed on their own, as in a group.
 */
export function WithoutCallSeal({ count }: { count: number }) {
  return (
    <section class="participants" aria-labelledby="participants-without-heading" data-testid="participants-without">
      <h2 id="participants-without-heading">{t('participants_without_heading')}</h2>
      <ul>
        <WithoutCallSealRows count={count} />
      </ul>
    </section>
  );
}

/**
 * One row per participant without CallSeal (§11.9): they have no identity, code or name, only their streams, so they
 * are numbered; nothing can be compared with them.
 */
function WithoutCallSealRows({ count }: { count: number }) {
  return (
    <>
      {Array.from({ length: count }, (_, i) => (
        <li key={`without-${i}`} data-testid="participant-without-callseal" data-state="not-encrypted">
          <p class="participant-name">
            {count === 1 ? t('participant_without_callseal_name') : t('participant_without_callseal_numbered', i + 1)}
            {' — '}
            <span data-testid="participant-state">{t('participant_state_not_encrypted')}</span>
          </p>
          <p class="participant-directions">{t('participant_without_callseal_directions')}</p>
        </li>
      ))}
    </>
  );
}
