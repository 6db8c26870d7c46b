/**
 * The options page's channel to the background (a runtime port, like the popup's): the user's contacts, their own
 * identity and display name. The background alone changes any of them and answers every change with a new view.
 */
import { isIdentityKeyBase64 } from './formats';

export const OPTIONS_PORT = 'callseal-options';

export interface ContactView {
  /** Base64 of the contact's identity key. */
  identityPublicKey: string;
  /** Display fingerprint of that key (32 hex digits in groups of four). */
  fingerprint: string;
  /** The user's name for the contact ('' when unnamed). */
  name: string;
  /** When the user confirmed the codes match (milliseconds since the epoch). */
  verifiedAt: number;
  /** What the contact called themselves when verified. */
  claimedName?: string;
}

export interface OwnIdentityView {
  fingerprint: string;
  createdAt: number;
}

export interface OptionsView {
  contacts: ContactView[];
  /** Null while no identity exists yet (E2EE was never on). */
  identity: OwnIdentityView | null;
  /** The user's own display name ('' for none). */
  displayName: string;
}

export type OptionsToBackground =
  | { kind: 'options-watch' }
  | { kind: 'rename-contact'; identityPublicKey: string; name: string }
  | { kind: 'forget-contact'; identityPublicKey: string }
  | { kind: 'reset-identity' }
  | { kind: 'set-display-name'; name: string };

export type BackgroundToOptions =
  | { kind: 'options'; view: OptionsView }
  | { kind: 'failed'; code: string; message: string };

/** Names typed by the user are normalized by the background; this only bounds what travels. */
export const MAX_TYPED_NAME_LENGTH = 256;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isTypedName = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_TYPED_NAME_LENGTH;
const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function isOptionsToBackground(value: unknown): value is OptionsToBackground {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'options-watch':
    case 'reset-identity':
      return true;
    case 'rename-contact':
      return isIdentityKeyBase64(value.identityPublicKey) && isTypedName(value.name);
    case 'forget-contact':
      return isIdentityKeyBase64(value.identityPublicKey);
    case 'set-display-name':
      return isTypedName(value.name);
    default:
      return false;
  }
}

function isContactView(value: unknown): value is ContactView {
  return (
    isRecord(value) &&
    isIdentityKeyBase64(value.identityPublicKey) &&
    typeof value.fingerprint === 'string' &&
    typeof value.name === 'string' &&
    isTime(value.verifiedAt) &&
    (value.claimedName === undefined || typeof value.claimedName === 'string')
  );
}

export function isBackgroundToOptions(value: unknown): value is BackgroundToOptions {
  if (!isRecord(value)) return false;
  if (value.kind === 'failed') return typeof value.code === 'string' && typeof value.message === 'string';
  if (value.kind !== 'options' || !isRecord(value.view)) return false;
  const { contacts, identity, displayName } = value.view;
  return (
    Array.isArray(contacts) &&
    contacts.every(isContactView) &&
    (identity === null ||
      (isRecord(identity) && typeof identity.fingerprint === 'string' && isTime(identity.createdAt))) &&
    typeof displayName === 'string'
  );
}
