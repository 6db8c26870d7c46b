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

/** How long after the service worker starts an empty managed storage may still mean "not delivered yet". */
export const POLICY_GRACE_MS = 10_000;

export interface ModeDecision {
  mode: E2eeMode;
  /** What to remember as the last policy seen (undefined: forget it). */
  remember: E2eeMode | undefined;
}

/**
 * The browser delivers managed storage a few seconds after it starts; until then it reads as empty. So the last
 * policy seen is remembered and stands in for an empty managed storage during the first POLICY_GRACE_MS — else a
 * call in those seconds would follow the user's switch where the admin requires (or forbids) encryption. Still
 * empty after that, the policy is gone.
 */
export function decideMode(managed: unknown, remembered: unknown, withinGrace: boolean): ModeDecision {
  if (managed !== undefined) {
    const mode = parseMode(managed);
    return { mode, remember: mode };
  }
  const last = remembered === undefined ? undefined : parseMode(remembered);
  if (last !== undefined && withinGrace) return { mode: last, remember: last };
  return { mode: 'allowed', remember: undefined };
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

