/**
 * Everything CallSeal says about a call, in one place, so the toolbar (icon, tooltip, badge) and the popup use the
 * same words — and so that every sentence shown is one the extension wrote: states, detail codes and failures map
 * to fixed text here, and nothing a page sends is ever displayed (protocol.md §7.4). The words about a call that is
 * not encrypted stay neutral about the cause: the other side may lack CallSeal, or the network may be stripping
 * the key exchange. Pure: no browser APIs, safe to import anywhere.
 */
import { CALL_STATES, MEDIA_DROPPED_DETAILS, type CallState, type CodecName, type DetailCode, type MediaKind, type TabCallStatus } from './call-status';
import type { PopupFailureCode } from './messages';

/** The icon drawn for each state: `public/icons/shield-<variant>-<size>.png` (see `scripts/make-icons.mjs`). */
export type IconVariant = CallState;
export const ICON_VARIANTS: readonly IconVariant[] = CALL_STATES;
export const ICON_SIZES = [16, 32, 48, 128] as const;
export type IconSize = (typeof ICON_SIZES)[number];

/** How the popup colours a state: green, amber, red or grey. */
export type StatusTone = 'good' | 'pending' | 'bad' | 'neutral';

export interface StatusWords {
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
const GREY = '#5f6368';

export const STATUS_WORDS: Readonly<Record<CallState, Readonly<StatusWords>>> = {
  off: {
    title: 'CallSeal: off',
    sentence: 'Off',
    badge: '',
    badgeColor: GREY,
    icon: 'off',
    tone: 'neutral',
  },
  negotiating: {
    title: 'CallSeal: setting up end-to-end encryption…',
    sentence: 'Setting up encryption…',
    badge: '',
    badgeColor: GREY,
    icon: 'negotiating',
    tone: 'pending',
  },
  encrypted: {
    title: 'CallSeal: call end-to-end encrypted',
    sentence: 'Encrypted end to end',
    badge: '',
    badgeColor: GREY,
    icon: 'encrypted',
    tone: 'good',
  },
  verified: {
    title: 'CallSeal: call end-to-end encrypted, security code verified',
    sentence: 'Encrypted end to end, security code verified',
    badge: '',
    badgeColor: GREY,
    icon: 'verified',
    tone: 'good',
  },
  'identity-changed': {
    title: "CallSeal: WARNING — the other person's identity changed during this call. Compare the new security code",
    sentence: "Warning: the other side's identity changed during this call. Compare the new code.",
    badge: '!',
    badgeColor: RED,
    icon: 'identity-changed',
    tone: 'bad',
  },
  unencrypted: {
    title: 'CallSeal: call NOT encrypted — no key exchange with the other side',
    sentence: 'Not encrypted: no key exchange with the other side',
    badge: '!',
    badgeColor: RED,
    icon: 'unencrypted',
    tone: 'bad',
  },
  blocked: {
    title: 'CallSeal: call blocked — it could not be encrypted, so no media is sent or played',
    sentence: 'Blocked: the call could not be encrypted, so no media is sent or played',
    badge: '!',
    badgeColor: RED,
    icon: 'blocked',
    tone: 'bad',
  },
  error: {
    title: 'CallSeal: call NOT encrypted — encryption could not be set up on this page',
    sentence: 'Not encrypted: CallSeal could not set up encryption on this page',
    badge: '!',
    badgeColor: GREY,
    icon: 'error',
    tone: 'bad',
  },
};

export function statusWords(state: CallState): Readonly<StatusWords> {
  return STATUS_WORDS[state];
}

const AMBER = '#e37400';

/**
 * The words for a call as it is: a call whose media is partly dropped (a codec CallSeal cannot encrypt, a sender
 * without a key) is never shown as plainly encrypted — the toolbar and the popup's headline say what is not sent,
 * with an amber badge; a group call says it is one (its state is `unencrypted` or `blocked`). Every other status gets
 * its state's words.
 */
export function statusWordsFor(status: Pick<TabCallStatus, 'state' | 'detail' | 'media' | 'codec'>): Readonly<StatusWords> {
  const words = STATUS_WORDS[status.state];
  if (status.detail === 'group-call' && status.state === 'unencrypted') {
    return {
      ...words,
      title: 'CallSeal: call NOT encrypted — group calls are not encrypted yet',
      sentence: 'Not encrypted: group calls are not encrypted yet',
    };
  }
  if (status.detail === 'group-call' && status.state === 'blocked') {
    return {
      ...words,
      title: 'CallSeal: call blocked — group calls are not encrypted yet, and encryption is required',
      sentence: 'Blocked: group calls are not encrypted yet, so no media is sent or played',
    };
  }
  const dropped = status.detail !== undefined && MEDIA_DROPPED_DETAILS.includes(status.detail);
  if (!dropped || (status.state !== 'encrypted' && status.state !== 'verified')) return words;
  const what = status.media === 'audio' ? 'audio' : status.media === 'video' ? 'video' : 'some media';
  const why =
    status.detail === 'unsupported-codec'
      ? `CallSeal cannot encrypt ${status.codec ? CODEC_WORDS[status.codec] : 'its codec'}`
      : 'it cannot be encrypted';
  return {
    ...words,
    title: `${words.title}, but ${what} is NOT sent — ${why}`,
    sentence: `${words.sentence}, but ${what} is not sent`,
    badge: '!',
    badgeColor: AMBER,
    tone: 'pending',
  };
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
  return enabled
    ? 'The next call on this page is encrypted if the other person has CallSeal on too.'
    : 'Turn on end-to-end encrypted calls to protect calls on this page.';
}

export const SECURITY_CODE_INSTRUCTION =
  'Compare this code with the other person. If it matches, your call is private.';

/** Under the code of an `identity-changed` call: what the user must do before trusting it again. */
export const IDENTITY_CHANGED_INSTRUCTION =
  'Someone else may be on the call now. Compare the new code with the other person — by phone or in person, not ' +
  'in this call’s chat — and click "Codes match" only if it matches. If it differs, hang up.';

/** The detail codes' sentences; `unsupported-codec` and `media-not-sent` name the codec and media (see detailSentence). */
const DETAIL_SENTENCES: Readonly<Record<Exclude<DetailCode, 'unsupported-codec' | 'media-not-sent'>, string>> = {
  'no-key-exchange':
    'No key exchange received — the other side may not have CallSeal, or something on the network is blocking it.',
  'peer-protocol-1': 'The other side runs an older CallSeal (protocol 1). Both of you need to update CallSeal.',
  'peer-stopped-encrypting':
    "The other side's media now arrives unencrypted. CallSeal does not play it: the call stays protected, but you " +
    'may not hear or see them.',
  'group-call':
    'This call has more than one other person in it. CallSeal does not encrypt group calls yet, so this call is not ' +
    'end-to-end encrypted.',
  'worker-blocked': "This page's security settings keep CallSeal's encryption from running here.",
  'unsupported-browser': 'This browser cannot encrypt calls: CallSeal needs Chrome or Edge 141 or later.',
  'no-bridge': 'CallSeal could not set up its private channel on this page. Reload the page to try again.',
  'sign-failed': 'CallSeal could not sign the key exchange. It is trying again.',
  'keys-failed': "CallSeal could not set up the call's keys.",
  'internal-error': 'Something went wrong inside CallSeal. Nothing is sent unencrypted because of it.',
};

const CODEC_WORDS: Readonly<Record<CodecName, string>> = {
  H264: 'H264',
  AV1: 'AV1',
  H265: 'H265',
  other: 'an unknown codec',
};

/** The sentence for a detail code; with `unsupported-codec` and `media-not-sent`, naming the codec and media (from the fixed lists). */
export function detailSentence(detail: DetailCode, codec?: CodecName, media?: MediaKind): string {
  const what = media === 'audio' ? 'Audio' : media === 'video' ? 'Video' : 'Those frames';
  if (detail === 'unsupported-codec') {
    const name = codec ? CODEC_WORDS[codec] : 'a codec';
    return (
      `This call uses ${name}, which CallSeal cannot encrypt (it supports Opus, VP8, VP9, H264 and AV1). ` +
      `${what} in ${name} is not sent or played.`
    );
  }
  if (detail === 'media-not-sent') {
    return `${what} from this page cannot be encrypted right now, so it is not sent. The rest of the call stays encrypted.`;
  }
  return DETAIL_SENTENCES[detail];
}

/**
 * Said when the page brings its own transform or encoded streams to the media CallSeal encrypts (its own end-to-end
 * encryption, perhaps): CallSeal cannot run both, and keeps its own.
 */
export const APP_TRANSFORM_SENTENCE =
  'This page processes call media itself (its own encryption, perhaps). CallSeal cannot protect this app together ' +
  "with it: CallSeal's encryption takes its place, and the page's own does not run. Calls with people who do not " +
  'have CallSeal on may not work.';

/** Said when other frames of the tab (e.g. an embedded call widget) run calls besides the one shown. */
export function otherCallsSentence(otherCalls: number): string {
  return otherCalls === 1
    ? 'Another frame on this page also runs a call. CallSeal shows the main one.'
    : `Another frame on this page also runs a call (${otherCalls} more in all). CallSeal shows the main one.`;
}

/** What the popup shows when the background refuses something. */
export const FAILURE_MESSAGES: Readonly<Record<PopupFailureCode, string>> = {
  policy: 'Your organization manages this setting.',
  'call-changed':
    'The call changed before you confirmed, so nothing was marked as verified. Compare the code shown now.',
  'verify-failed': 'CallSeal could not remember that the codes match. Try again.',
};
