/** The background's view of each tab's call: it alone decides what is shown, and it checks every claim. */
import { describe, expect, it } from 'vitest';
import { CallRegistry } from '../../../src/background/call-registry';
import { ZERO_COUNTERS } from '../../../src/shared/call-status';
import type { SessionReport } from '../../../src/shared/messages';

const encrypted = (epoch: number, code = '12345 67890 12345 67890'): SessionReport => ({
  state: 'encrypted',
  epoch,
  securityCode: code,
  peerIdentityPublicKey: 'cGVlcg==',
  counters: ZERO_COUNTERS,
});
const never = () => false;

describe('CallRegistry', () => {
  it('shows off for a tab without a call, and for any tab while the switch is off', () => {
    const calls = new CallRegistry();
    expect(calls.status(1, true, never).state).toBe('off');
    calls.report(1, 0, encrypted(1));
    expect(calls.status(1, false, never).state).toBe('off');
    expect(calls.status(1, true, never)).toMatchObject({ state: 'encrypted', securityCode: '12345 67890 12345 67890' });
  });

  it('rejects an encrypted claim without a well-formed code or a peer identity', () => {
    const calls = new CallRegistry();
    expect(calls.report(1, 0, { ...encrypted(1), securityCode: '1234' })).toBe('rejected');
    const { peerIdentityPublicKey: _omit, ...noPeer } = encrypted(1);
    expect(calls.report(1, 0, noPeer)).toBe('rejected');
    expect(calls.report(1, 0, { ...encrypted(1), epoch: 0 })).toBe('rejected');
    expect(calls.status(1, true, never).state).toBe('off');
  });

  it('rejects a report whose epoch goes back', () => {
    const calls = new CallRegistry();
    expect(calls.report(1, 0, encrypted(2, '11111 11111 11111 11111'))).toBe('accepted');
    expect(calls.report(1, 0, encrypted(1, '22222 22222 22222 22222'))).toBe('rejected');
    expect(calls.status(1, true, never).securityCode).toBe('11111 11111 11111 11111');
  });

  it('shows verified only for an encrypted call with a verified peer', () => {
    const calls = new CallRegistry();
    calls.report(1, 0, encrypted(1));
    expect(calls.status(1, true, (key) => key === 'cGVlcg==').state).toBe('verified');
    calls.report(1, 0, { state: 'unencrypted', epoch: 1, counters: ZERO_COUNTERS });
    expect(calls.status(1, true, () => true).state).toBe('unencrypted');
  });

  it("shows a page's error over its reports, and forgets frames and tabs", () => {
    const calls = new CallRegistry();
    calls.report(1, 3, encrypted(1));
    calls.error(1, 0, 'worker-blocked', 'blocked by CSP');
    expect(calls.status(1, true, never)).toMatchObject({ state: 'error', detail: 'blocked by CSP' });
    calls.forgetFrame(1, 0);
    expect(calls.status(1, true, never).state).toBe('encrypted');
    calls.forgetTab(1);
    expect(calls.status(1, true, never).state).toBe('off');
    expect(calls.tabIds()).toEqual([]);
  });
});
