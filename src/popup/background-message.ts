/**
 * Shape check for what the background sends the popup. The background is ours, but a half-updated extension or a
 * bug there should show as a failure, not as a popup that renders `undefined`.
 */
import { isCallState, type FrameCounters, type TabCallStatus } from '../shared/call-status';
import type { BackgroundToPopup, PopupView } from '../shared/messages';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

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
    isOptionalString(value.securityCode) &&
    isOptionalString(value.peerIdentityFingerprint) &&
    isOptionalString(value.detail)
  );
}

export function isPopupView(value: unknown): value is PopupView {
  return (
    isRecord(value) &&
    isCount(value.tabId) &&
    isTabCallStatus(value.status) &&
    typeof value.enabled === 'boolean' &&
    typeof value.canToggle === 'boolean' &&
    isOptionalString(value.policyNote)
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
