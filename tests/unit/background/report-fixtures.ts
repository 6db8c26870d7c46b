/** Session reports, keys and codes for the background's tests: well-formed unless a test says otherwise. */
import { ZERO_COUNTERS, type FrameCounters } from '../../../src/shared/call-status';
import type { SessionReport, ShownCall } from '../../../src/shared/messages';

export const SESSION_A = 'a'.repeat(32);
export const SESSION_B = 'b'.repeat(32);
export const SESSION_C = 'c'.repeat(32);

/** Base64 of 32 bytes all equal to `fill`. */
export const keyOf = (fill: number): string => Buffer.from(new Uint8Array(32).fill(fill)).toString('base64');
export const KEY_1 = keyOf(1);
export const KEY_2 = keyOf(2);

export const CODE_1 = '11111 11111 11111 11111';
export const CODE_2 = '22222 22222 22222 22222';

export const counters = (total: number): FrameCounters => ({ ...ZERO_COUNTERS, encrypted: total });

export function report(over: Partial<SessionReport> = {}): SessionReport {
  return { session: SESSION_A, seq: 1, state: 'negotiating', epoch: 0, counters: ZERO_COUNTERS, ...over };
}

export function encrypted(over: Partial<SessionReport> = {}): SessionReport {
  return report({ state: 'encrypted', epoch: 1, securityCode: CODE_1, peerIdentityPublicKey: KEY_1, ...over });
}

/** What a popup showing `r` for frame `frameId` of tab `tabId` sends with "Codes match". */
export function shownFrom(tabId: number, frameId: number, r: SessionReport): ShownCall {
  return {
    tabId,
    frameId,
    session: r.session,
    epoch: r.epoch,
    securityCode: r.securityCode ?? '',
    peerIdentityPublicKey: r.peerIdentityPublicKey ?? '',
  };
}
