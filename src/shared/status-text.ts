/**
 * Everything CallSeal says about a call, in one place, so the toolbar (icon, tooltip, badge), the popup and the
 * notifications use the same words — and so that every sentence shown is one the extension wrote: states, detail
 * codes, warnings and failures map to fixed messages here (in the user's language, through `_locales` and
 * chrome.i18n: i18n.ts), and nothing a page sends is ever displayed but a peer's checked name, quoted as a claim
 * (protocol.md §4.5, §7.4). The words about a call that is not encrypted stay neutral about the cause: the other
 * side may lack CallSeal, or the network may be stripping the key exchange. No browser APIs but chrome.i18n.
 */
import type { DisplayNameProblem } from '../e2ee/display-name';
import {
  MEDIA_DROPPED_DETAILS,
  type CallState,
  type CodecName,
  type DetailCode,
  type MediaKind,
  type TabCallStatus,
} from './call-status';
import { t, type MessageKey } from './i18n';
import type { PopupFailureCode } from './messages';

/** The icon drawn for each state, one per CALL_STATES: `public/icons/shield-<variant>-<size>.png` (scripts/make-icons.mjs). */
type IconVariant = CallState;
export const ICON_SIZES = [16, 32, 48, 128] as const;
type IconSize = (typeof ICON_SIZES)[number];

/** How the popup colours a state: green, amber, red or grey. */
type StatusTone = 'good' | 'pending' | 'bad' | 'neutral';

interface StatusWords {
  /** Toolbar tooltip, a plain sentence starting with "CallSeal: ". */
  title: string;
  /** The popup's headline for the current tab's call. */
  sentence: string;
  /** Toolbar badge text, '' for none. Only states that need the user's attention get one. */
  badge: string;
  /** Badge background, a CSS colour. */
  badgeColor: string;
  icon: IconVariant;
  tone: StatusTone;
}

const RED = '#d93025';
const AMBER = '#e37400';
const GREY = '#5f6368';

interface StateLook {
  titleKey: MessageKey;
  sentenceKey: MessageKey;
  badge: string;
  badgeColor: string;
  icon: IconVariant;
  tone: StatusTone;
}

/** How each state looks, and the keys of its words. */
export const STATUS_WORDS: Readonly<Record<CallState, Readonly<StateLook>>> = {
  off: { titleKey: 'state_off_title', sentenceKey: 'state_off_sentence', badge: '', badgeColor: GREY, icon: 'off', tone: 'neutral' },
  negotiating: {
    titleKey: 'state_negotiating_title',
    sentenceKey: 'state_negotiating_sentence',
    badge: '',
    badgeColor: GREY,
    icon: 'negotiating',
    tone: 'pending',
  },
  encrypted: {
    titleKey: 'state_encrypted_title',
    sentenceKey: 'state_encrypted_sentence',
    badge: '',
    badgeColor: GREY,
    icon: 'encrypted',
    tone: 'good',
  },
  verified: {
    titleKey: 'state_verified_title',
    sentenceKey: 'state_verified_sentence',
    badge: '',
    badgeColor: GREY,
    icon: 'verified',
    tone: 'good',
  },
  'identity-changed': {
    titleKey: 'state_identity_changed_title',
    sentenceKey: 'state_identity_changed_sentence',
    badge: '!',
    badgeColor: RED,
    icon: 'identity-changed',
    tone: 'bad',
  },
  unencrypted: {
    titleKey: 'state_unencrypted_title',
    sentenceKey: 'state_unencrypted_sentence',
    badge: '!',
    badgeColor: RED,
    icon: 'unencrypted',
    tone: 'bad',
  },
  blocked: {
    titleKey: 'state_blocked_title',
    sentenceKey: 'state_blocked_sentence',
    badge: '!',
    badgeColor: RED,
    icon: 'blocked',
    tone: 'bad',
  },
  error: {
    titleKey: 'state_error_title',
    sentenceKey: 'state_error_sentence',
    badge: '!',
    badgeColor: GREY,
    icon: 'error',
    tone: 'bad',
  },
};

export function statusWords(state: CallState): Readonly<StatusWords> {
  const { titleKey, sentenceKey, ...look } = STATUS_WORDS[state];
  return { ...look, title: t(titleKey), sentence: t(sentenceKey) };
}

/** A contact's name as the words show it: the name, or "a contact" for an unnamed one. */
function contactLabel(name: string | undefined): string {
  return name ? name : t('warning_unnamed_contact');
}

/**
 * The words for a whole call status: the state's, but a verified contact is named ("Verified: Bob"), a contact's key
 * change says whose ("Bob's security code has changed"), a group call says it is one (its state is `unencrypted` or
 * `blocked`, protocol.md §6.6), and a call whose media is partly dropped (a codec CallSeal cannot encrypt, a sender
 * without a key) is never shown as plainly encrypted: the toolbar and the popup's headline say what is not sent,
 * with an amber badge (§6.3); so is a group with someone in it who lacks CallSeal or whose CallSeal needs an update
 * (§11.9). The toolbar and the popup both use this.
 */
export function callWords(status: TabCallStatus): Readonly<StatusWords> {
  const words = { ...statusWords(status.state) };
  if (status.detail === 'group-call' && status.state === 'unencrypted') {
    words.title = t('state_group_call_unencrypted_title');
    words.sentence = t('state_group_call_unencrypted_sentence');
  }
  if (status.detail === 'group-call' && status.state === 'blocked') {
    words.title = t('state_group_call_blocked_title');
    words.sentence = t('state_group_call_blocked_sentence');
  }
  if (status.detail === 'group-too-large') {
    words.title = t(status.state === 'blocked' ? 'state_group_too_large_blocked_title' : 'state_group_too_large_title');
    words.sentence = t(status.state === 'blocked' ? 'state_group_too_large_blocked_sentence' : 'state_group_too_large_sentence');
  }
  const needsUpdate = status.participants?.some((p) => p.state === 'needs-update') === true;
  if (status.participants !== undefined && (status.state === 'encrypted' || status.state === 'verified')) {
    // §11.9: every member, both ways (someone whose CallSeal needs an update is not one, below).
    const members = status.participants.filter((p) => p.state !== 'needs-update').length;
    words.sentence = members === 1 ? t('state_group_encrypted_one_sentence') : t('state_group_encrypted_sentence', members);
  }
  if (status.state === 'verified' && status.contact?.name) {
    words.title = t('state_verified_named_title', status.contact.name);
    words.sentence = t('state_verified_named_sentence', status.contact.name);
  }
  if (status.warning === 'contact-key-changed') {
    const name = contactLabel(status.warningName);
    words.title = t('state_key_changed_title', name);
    words.sentence = t('state_key_changed_sentence', name);
  }
  const dropped = status.detail !== undefined && MEDIA_DROPPED_DETAILS.includes(status.detail);
  if (dropped && (status.state === 'encrypted' || status.state === 'verified')) {
    const what = t(status.media === 'audio' ? 'media_audio' : status.media === 'video' ? 'media_video' : 'media_some');
    const why = status.detail === 'unsupported-codec' ? t('why_codec', codecWords(status.codec)) : t('why_cannot_encrypt');
    words.title = t('words_not_sent_title', words.title, what, why);
    words.sentence = t('words_not_sent_sentence', words.sentence, what);
    words.badge = '!';
    words.badgeColor = AMBER;
    if (words.tone === 'good') words.tone = 'pending';
  }
  if (status.detail === 'participant-without-callseal' && (status.state === 'encrypted' || status.state === 'verified')) {
    words.title = t('words_plain_participant_title', words.title);
    words.sentence = t('words_plain_participant_sentence', words.sentence);
    words.badge = '!';
    words.badgeColor = AMBER;
    if (words.tone === 'good') words.tone = 'pending';
  }
  if (needsUpdate && (status.state === 'encrypted' || status.state === 'verified')) {
    // A 1:1-only CallSeal in the group (§11.3, §11.9): it cannot decrypt the call, and the call is not all green.
    words.title = t('words_update_participant_title', words.title);
    words.sentence = t('words_update_participant_sentence', words.sentence);
    words.badge = '!';
    words.badgeColor = AMBER;
    if (words.tone === 'good') words.tone = 'pending';
  }
  if (status.warning === 'encryption-lost' && status.state !== 'identity-changed') {
    words.title = t('state_encryption_lost_title');
    words.badge = '!';
    words.badgeColor = RED;
    if (words.tone === 'good') words.tone = 'bad';
  }
  return words;
}

/** A warning's heading and the sentence under it (the popup's warning box and the notification). */
export function warningWords(status: TabCallStatus): { heading: string; body: string } | undefined {
  switch (status.warning) {
    case 'contact-key-changed': {
      const name = contactLabel(status.warningName);
      const claimed = status.contact === undefined && status.peerName !== undefined;
      return {
        heading: t('state_key_changed_sentence', name),
        // In a group, always a participant's claim (§11.9): a new identity there is a new participant.
        body:
          status.participants !== undefined
            ? t('warning_key_changed_group_claim_body', name)
            : claimed
              ? t('warning_key_changed_claim_body', name)
              : t('warning_key_changed_body', name),
      };
    }
    case 'identity-changed':
      return { heading: t('warning_identity_changed_heading'), body: t('instruction_identity_changed') };
    case 'encryption-lost':
      return { heading: t('warning_encryption_lost_heading'), body: t('warning_encryption_lost_body') };
    default:
      return undefined;
  }
}

/** Path of an icon inside the extension, as `action.setIcon` wants it (no leading slash). */
export function iconPath(variant: IconVariant, size: IconSize): string {
  return `icons/shield-${variant}-${size}.png`;
}

/** The toolbar's icon dictionary for a state: the 16 px icon and its 2× version. */
export function toolbarIconPaths(state: CallState): { 16: string; 32: string } {
  const { icon } = STATUS_WORDS[state];
  return { 16: iconPath(icon, 16), 32: iconPath(icon, 32) };
}

/** A hint under the state when there is no call yet, which depends on the user's switch. */
export function offHint(enabled: boolean): string {
  return enabled ? t('hint_off_enabled') : t('hint_off_disabled');
}

export function securityCodeInstruction(): string {
  return t('instruction_compare');
}

/** Under the code of an `identity-changed` call: what the user must do before trusting it again. */
export function identityChangedInstruction(): string {
  return t('instruction_identity_changed');
}

/** The detail codes' messages; `unsupported-codec` and `media-not-sent` name the codec and media (see detailSentence). */
const DETAIL_KEYS: Readonly<Record<Exclude<DetailCode, 'unsupported-codec' | 'media-not-sent'>, MessageKey>> = {
  'no-key-exchange': 'detail_no_key_exchange',
  'peer-protocol-1': 'detail_peer_protocol_1',
  'peer-protocol-2': 'detail_peer_protocol_2',
  'peer-stopped-encrypting': 'detail_peer_stopped_encrypting',
  'group-call': 'detail_group_call',
  'group-too-large': 'detail_group_too_large',
  'participant-without-callseal': 'detail_participant_without_callseal',
  'worker-blocked': 'detail_worker_blocked',
  'unsupported-browser': 'detail_unsupported_browser',
  'no-bridge': 'detail_no_bridge',
  'sign-failed': 'detail_sign_failed',
  'keys-failed': 'detail_keys_failed',
  'internal-error': 'detail_internal_error',
};

/** A codec's name for a sentence (from the fixed list). */
function codecWords(codec: CodecName | undefined): string {
  return codec === undefined ? t('codec_some') : codec === 'other' ? t('codec_unknown') : codec;
}

/** The sentence for a detail code; with `unsupported-codec` and `media-not-sent`, naming the codec and media (from the fixed lists). */
export function detailSentence(detail: DetailCode, codec?: CodecName, media?: MediaKind): string {
  if (detail === 'unsupported-codec') {
    const key = media === 'audio' ? 'detail_unsupported_codec_audio' : media === 'video' ? 'detail_unsupported_codec_video' : 'detail_unsupported_codec';
    return t(key, codecWords(codec));
  }
  if (detail === 'media-not-sent') {
    return t(media === 'audio' ? 'detail_media_not_sent_audio' : media === 'video' ? 'detail_media_not_sent_video' : 'detail_media_not_sent');
  }
  return t(DETAIL_KEYS[detail]);
}

/**
 * Said when the page brings its own transform or encoded streams to the media CallSeal encrypts (its own end-to-end
 * encryption, perhaps): CallSeal cannot run both, and keeps its own (protocol.md §7.3).
 */
export function appTransformSentence(): string {
  return t('app_transform');
}

/** Said when other frames of the tab (e.g. an embedded call widget) run calls besides the one shown. */
export function otherCallsSentence(otherCalls: number): string {
  return otherCalls === 1 ? t('other_calls_one') : t('other_calls_many', otherCalls);
}

const FAILURE_KEYS: Readonly<Record<PopupFailureCode, MessageKey>> = {
  policy: 'failure_policy',
  'call-changed': 'failure_call_changed',
  'participant-changed': 'failure_participant_changed',
  'verify-failed': 'failure_verify_failed',
  'name-invalid': 'failure_name_invalid',
  'name-taken': 'failure_name_taken',
  'options-failed': 'failure_options_failed',
};

/** What the popup shows when the background refuses something. */
export function failureMessage(code: PopupFailureCode): string {
  return t(FAILURE_KEYS[code]);
}

const NAME_PROBLEM_KEYS: Readonly<Record<DisplayNameProblem, MessageKey>> = {
  empty: 'name_problem_empty',
  'too-long': 'name_problem_too_long',
  'not-nfc': 'name_problem_not_nfc',
  untrimmed: 'name_problem_untrimmed',
  'refused-character': 'name_problem_refused_character',
};

/** Why a name the user typed cannot be used (protocol.md §4.5). */
export function nameProblemMessage(problem: DisplayNameProblem): string {
  return t(NAME_PROBLEM_KEYS[problem]);
}

/** The cipher suite for the call's details (RFC 9605 §4.5; CallSeal uses 4). */
export function suiteName(suite: number): string {
  return suite === 4 ? t('suite_4') : t('suite_other', suite);
}
