/**
 * The admin's E2EE mode (managed storage, schema in public/managed-schema.json) applied to the user's switch.
 * Pure, so it is unit-tested without a browser; settings.ts reads the inputs from storage.
 */
import { DEFAULT_FALLBACK_AFTER_MS, type PageSettings } from '../shared/call-status';

export type E2eeMode = 'disabled' | 'allowed' | 'required';

export interface EffectiveSettings {
  page: PageSettings;
  /** False when the admin's policy fixes the switch. */
  canToggle: boolean;
  /** What the admin decided, for the popup. */
  policyNote?: string;
}

export function parseMode(value: unknown): E2eeMode {
  return value === 'disabled' || value === 'required' ? value : 'allowed';
}

/** Pure: the user's switch under the admin's mode. */
export function effectiveSettings(userEnabled: boolean, mode: E2eeMode): EffectiveSettings {
  const page = (enabled: boolean, allowPlaintextFallback: boolean): PageSettings => ({
    enabled,
    allowPlaintextFallback,
    fallbackAfterMs: DEFAULT_FALLBACK_AFTER_MS,
  });
  switch (mode) {
    case 'disabled':
      return {
        page: page(false, true),
        canToggle: false,
        policyNote: 'Your organization has turned off end-to-end encrypted calls.',
      };
    case 'required':
      return {
        page: page(true, false),
        canToggle: false,
        policyNote: 'Your organization requires end-to-end encrypted calls: calls that cannot be encrypted are blocked.',
      };
    case 'allowed':
      return { page: page(userEnabled, true), canToggle: true };
  }
}

