/**
 * What CallSeal says about a call state, in one place, so the toolbar (icon, tooltip, badge) and the popup use the
 * same words. Pure: no browser APIs, safe to import anywhere.
 */
import { CALL_STATES, type CallState } from './call-status';

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
  unencrypted: {
    title: 'CallSeal: call NOT encrypted — the other side has no CallSeal',
    sentence: 'Not encrypted: the other side does not have CallSeal on',
    badge: '!',
    badgeColor: RED,
    icon: 'unencrypted',
    tone: 'bad',
  },
  blocked: {
    title: 'CallSeal: call blocked — your organization requires encryption and it could not be set up',
    sentence: 'Blocked: your organization requires encryption and it could not be set up',
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
