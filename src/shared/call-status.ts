/**
 * What the user is shown about a tab's call. Shared by the background (which alone decides it), the popup and the
 * toolbar icon. The page never sets these directly: the transform worker reports its session, the background
 * checks that report and derives the state.
 */

/** The states the popup exposes as `data-state` on `[data-testid="call-state"]`. */
export const CALL_STATES = ['off', 'negotiating', 'encrypted', 'verified', 'unencrypted', 'blocked', 'error'] as const;
export type CallState = (typeof CALL_STATES)[number];

export function isCallState(value: unknown): value is CallState {
  return typeof value === 'string' && (CALL_STATES as readonly string[]).includes(value);
}

/** Frame counters since the call started on the page. */
export interface FrameCounters {
  encrypted: number;
  decrypted: number;
  /** Frames dropped: failed authentication, replays, plaintext refused, unsupported codecs. */
  dropped: number;
  /** Frames passed through unaltered (E2EE off, or plaintext fallback). */
  plaintext: number;
}

export const ZERO_COUNTERS: FrameCounters = { encrypted: 0, decrypted: 0, dropped: 0, plaintext: 0 };

/** A tab's call as shown in the popup. */
export interface TabCallStatus {
  state: CallState;
  /** Twenty digits in four groups of five, when keys were agreed. */
  securityCode?: string;
  /** Short fingerprint of the peer's long-term identity key, when keys were agreed. */
  peerIdentityFingerprint?: string;
  /** Key epoch; a peer's reload or rejoin starts a new one. */
  epoch: number;
  counters: FrameCounters;
  /** A sentence for the user when something needs explaining (fallback, failure, unsupported codec). */
  detail?: string;
}

export const NO_CALL: TabCallStatus = { state: 'off', epoch: 0, counters: ZERO_COUNTERS };

/** The user's and the admin's settings as the page side needs them. Nothing secret. */
export interface PageSettings {
  /** E2EE is on for this page: encrypt outgoing, decrypt incoming, negotiate keys. */
  enabled: boolean;
  /** With E2EE on, a peer shown to lack CallSeal may be called in plaintext. */
  allowPlaintextFallback: boolean;
  /** How long a peer's media must arrive unencrypted, with no hello, before the fallback. */
  fallbackAfterMs: number;
}

export const DEFAULT_FALLBACK_AFTER_MS = 4000;
