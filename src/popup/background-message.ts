/**
 * Shape check for what the background sends the popup. The background is ours, but a half-updated extension or a
 * bug there should show as a failure, not as a popup that renders `undefined`.
 */
import { isCallState, isCodecName, isDetailCode, isMediaKind, type FrameCounters, type TabCallStatus } from '../shared/call-status';
import { isIdentityKeyBase64, isSecurityCode, isSessionId } from '../shared/formats';
import type { BackgroundToPopup, PopupView } from '../shared/messages';
import { isPolicyView } from '../shared/policy-view';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

const optional = (value: unknown, check: (v: unknown) => boolean): boolean => value === undefined || check(value);

function isCounters(value: unknown): value is FrameCounters {
  return (
    isRecord(value) &&
    isCount(value.encrypted) &&
    isCount(value.decrypted) &&
    isCount(value.dropped) &&
    isCount(value.plaintext)
  );
}

function isTabCallStatus(value: unknown): value is TabCallStatus {
  return (
    isRecord(value) &&
    isCallState(value.state) &&
    isCount(value.epoch) &&
    isCounters(value.counters) &&
    optional(value.securityCode, isSecurityCode) &&
    isOptionalString(value.peerIdentityFingerprint) &&
    optional(value.peerIdentityPublicKey, isIdentityKeyBase64) &&
    optional(value.detail, isDetailCode) &&
    optional(value.codec, isCodecName) &&
    optional(value.media, isMediaKind) &&
    optional(value.frameId, isCount) &&
    optional(value.session, isSessionId) &&
    optional(value.otherCalls, isCount) &&
    optional(value.appTransform, (v) => typeof v === 'boolean')
  );
}

export function isPopupView(value: unknown): value is PopupView {
  return (
    isRecord(value) &&
    isCount(value.tabId) &&
    isTabCallStatus(value.status) &&
    typeof value.enabled === 'boolean' &&
    typeof value.canToggle === 'boolean' &&
    isPolicyView(value.policy)
  );
}

export function isBackgroundToPopup(value: unknown): value is BackgroundToPopup {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'view':
      return isPopupView(value.view);
    case 'failed':
      return typeof value.code === 'string' && typeof value.message === 'string';
    default:
      return false;
  }
}
