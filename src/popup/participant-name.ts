/**
 * How the popup names one participant of a group call (protocol.md §11.9), in its list and in the group code's
 * "waiting for …" (§11.7): the user's contact name; else the name its identity signed, always as a claim; else its
 * number in the list. Never a claim shown as fact.
 */
import type { ParticipantStatus } from '../shared/call-status';
import { t, uiLanguage } from '../shared/i18n';

/** The participant's line in the list: "Bob", "says they are Bob" or "Participant 2" (`index` counts from 0). */
export function participantName(p: ParticipantStatus, index: number): string {
  if (p.contact?.name) return p.contact.name;
  return p.peerName !== undefined ? t('participant_claim', p.peerName) : t('participant_unnamed', index + 1);
}

/** The same person inside a sentence: "Bob", "“Bob” (as they say)" or "Participant 2". */
function nameInSentence(p: ParticipantStatus, index: number): string {
  if (p.contact?.name) return p.contact.name;
  return p.peerName !== undefined ? t('participant_claim_quoted', p.peerName) : t('participant_unnamed', index + 1);
}

/** The participants whose part of the group-code round is missing, named and listed ("A, B and C"); '' for none. */
export function pendingNames(participants: readonly ParticipantStatus[]): string {
  const names = participants.flatMap((p, index) => (p.codePending === true ? [nameInSentence(p, index)] : []));
  if (names.length === 0) return '';
  try {
    return new Intl.ListFormat(uiLanguage(), { type: 'conjunction' }).format(names);
  } catch {
    return names.join(', ');
  }
}
