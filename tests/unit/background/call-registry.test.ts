/**
 * The background's status rules (protocol.md §7.4): it alone decides what the toolbar and the popup show, per frame
 * and per worker session, from reports that expire, and it checks every claim. The clock is injected.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CallRegistry } from '../../../src/background/call-registry';
import { HEARTBEAT_TIMEOUT_MS } from '../../../src/background/report-rules';
import type { StatusContext } from '../../../src/background/tab-status';
import { ZERO_COUNTERS, type DetailCode } from '../../../src/shared/call-status';
import type { SessionReport } from '../../../src/shared/messages';
import {
  CODE_1,
  CODE_2,
  counters,
  encrypted,
  KEY_1,
  KEY_2,
  report,
  SESSION_A,
  SESSION_B,
  SESSION_C,
  shownFrom,
} from './report-fixtures';

const TAB = 1;
const T0 = 1_000_000;
let now = T0;
let calls: CallRegistry;

const ctx = (over: Partial<StatusContext> = {}): StatusContext => ({
  enabled: true,
  failClosed: false,
  isVerifiedPeer: () => false,
  ...over,
});
const status = (over: Partial<StatusContext> = {}) => calls.status(TAB, ctx(over));

beforeEach(() => {
  now = T0;
  calls = new CallRegistry(() => now);
});

describe('sessions', () => {
  it('a report from a new session replaces the frame’s encrypted one, even with a lower epoch and seq', () => {
    calls.report(TAB, 0, encrypted({ epoch: 3, seq: 50 }));
    expect(status({ isVerifiedPeer: (k) => k === KEY_1 })).toMatchObject({ state: 'verified', securityCode: CODE_1 });

    // E2EE switched off and on (or a new identity): the worker starts a new session, which has not negotiated yet.
    expect(calls.report(TAB, 0, report({ session: SESSION_B, seq: 1, epoch: 0 }))).toBe('accepted');
    const shown = status({ isVerifiedPeer: () => true });
    expect(shown.state).toBe('negotiating');
    expect(shown).not.toHaveProperty('securityCode');
    expect(shown).not.toHaveProperty('peerIdentityPublicKey');
    expect(shown).not.toHaveProperty('peerIdentityFingerprint');
  });

  it('a new session reporting off ends the old session’s call', () => {
    calls.report(TAB, 0, encrypted());
    calls.report(TAB, 0, report({ session: SESSION_B, state: 'off' }));
    expect(status().state).toBe('off');
    expect(calls.hasRunningCall(TAB, 0)).toBe(false);
  });

  it('within a session, takes only increasing sequence numbers', () => {
    expect(calls.report(TAB, 0, encrypted({ seq: 5 }))).toBe('accepted');
    expect(calls.report(TAB, 0, encrypted({ seq: 4, securityCode: CODE_2 }))).toBe('stale');
    expect(calls.report(TAB, 0, encrypted({ seq: 5, securityCode: CODE_2 }))).toBe('stale');
    expect(status().securityCode).toBe(CODE_1);
    expect(calls.report(TAB, 0, encrypted({ seq: 6, epoch: 2, securityCode: CODE_2 }))).toBe('accepted');
    expect(status()).toMatchObject({ securityCode: CODE_2, epoch: 2 });
  });

  it('a session once replaced never comes back', () => {
    calls.report(TAB, 0, encrypted({ session: SESSION_A, seq: 9 }));
    calls.report(TAB, 0, report({ session: SESSION_B, seq: 1 }));
    expect(calls.report(TAB, 0, encrypted({ session: SESSION_A, seq: 10 }))).toBe('stale');
    expect(status()).toMatchObject({ state: 'negotiating', session: SESSION_B });
  });

  it('an epoch that goes back within a session is impossible: the frame shows an internal error', () => {
    calls.report(TAB, 0, encrypted({ seq: 1, epoch: 2 }));
    expect(calls.report(TAB, 0, encrypted({ seq: 2, epoch: 1, securityCode: CODE_2 }))).toBe('rejected');
    expect(status()).toMatchObject({ state: 'error', detail: 'internal-error' });
    expect(status()).not.toHaveProperty('securityCode');
    // The frame's next session starts clean.
    calls.report(TAB, 0, encrypted({ session: SESSION_B, seq: 1, epoch: 1, securityCode: CODE_2 }));
    expect(status()).toMatchObject({ state: 'encrypted', securityCode: CODE_2 });
  });

  type Over = { [K in keyof SessionReport]?: SessionReport[K] | undefined };
  it.each<[string, Over]>([
    ['no code', { securityCode: undefined }],
    ['a malformed code', { securityCode: '1234' }],
    ['no peer key', { peerIdentityPublicKey: undefined }],
    ['a 31-byte peer key', { peerIdentityPublicKey: Buffer.alloc(31, 1).toString('base64') }],
    ['a peer key in URL-safe base64', { peerIdentityPublicKey: KEY_1.replace(/\//g, '_').replace(/=/g, '') }],
    ['epoch 0', { epoch: 0 }],
  ])('refuses encrypted and identity-changed with %s', (_name, over) => {
    for (const state of ['encrypted', 'identity-changed'] as const) {
      const fresh = new CallRegistry(() => now);
      const claim: Record<string, unknown> = { ...encrypted({ state }), ...over };
      for (const [key, value] of Object.entries(over)) if (value === undefined) delete claim[key];
      expect(fresh.report(TAB, 0, claim as unknown as SessionReport)).toBe('rejected');
      expect(fresh.status(TAB, ctx()).state).toBe('error');
      expect(fresh.status(TAB, ctx())).not.toHaveProperty('securityCode');
    }
  });

  it('shows no code with states that have no current pair', () => {
    calls.report(TAB, 0, { ...report({ state: 'unencrypted', detail: 'no-key-exchange' }), securityCode: CODE_1 });
    expect(status()).toMatchObject({ state: 'unencrypted', detail: 'no-key-exchange' });
    expect(status()).not.toHaveProperty('securityCode');
  });
});

describe('heartbeats', () => {
  it('a frame that has not reported for 4 s has no call', () => {
    expect(HEARTBEAT_TIMEOUT_MS).toBe(4000);
    calls.report(TAB, 0, encrypted());
    expect(calls.nextExpiry(TAB)).toBe(T0 + 4000);
    now = T0 + 3999;
    expect(status().state).toBe('encrypted');
    now = T0 + 4000;
    expect(status().state).toBe('off');
    expect(calls.hasRunningCall(TAB, 0)).toBe(false);
    expect(calls.nextExpiry(TAB)).toBeUndefined();
  });

  it('every report is a heartbeat', () => {
    calls.report(TAB, 0, encrypted({ seq: 1 }));
    now = T0 + 3000;
    calls.report(TAB, 0, encrypted({ seq: 2 }));
    now = T0 + 6999;
    expect(status().state).toBe('encrypted');
    now = T0 + 7000;
    expect(status().state).toBe('off');
  });

  it('a stale report is no heartbeat', () => {
    calls.report(TAB, 0, encrypted({ seq: 5 }));
    now = T0 + 3000;
    calls.report(TAB, 0, encrypted({ seq: 5 }));
    now = T0 + 4000;
    expect(status().state).toBe('off');
  });
});

describe('several frames', () => {
  it('the top frame’s call is shown even when a hidden iframe reports later, with more frames', () => {
    calls.report(TAB, 0, encrypted({ counters: counters(10) }));
    now += 10;
    calls.report(TAB, 7, report({ session: SESSION_B, state: 'negotiating', counters: counters(5000) }));
    expect(status()).toMatchObject({ state: 'encrypted', frameId: 0, session: SESSION_A, otherCalls: 1 });
  });

  it('without a call in the top frame, the frame with the most media is shown, whoever reported last', () => {
    calls.report(TAB, 0, report({ state: 'off' }));
    calls.report(TAB, 3, encrypted({ session: SESSION_B, counters: counters(900) }));
    now += 10;
    calls.report(TAB, 5, report({ session: SESSION_C, state: 'unencrypted', counters: counters(40) }));
    expect(status()).toMatchObject({ state: 'encrypted', frameId: 3, session: SESSION_B, otherCalls: 1 });
  });

  it('says nothing about other calls when there are none', () => {
    calls.report(TAB, 0, encrypted());
    calls.report(TAB, 2, report({ session: SESSION_B, state: 'off' }));
    expect(status()).not.toHaveProperty('otherCalls');
  });

  it('an error in one frame does not take over a call in another', () => {
    calls.report(TAB, 0, encrypted());
    calls.pageError(TAB, 4, 'worker-blocked');
    expect(status()).toMatchObject({ state: 'encrypted', frameId: 0, otherCalls: 1 });
    calls.forgetFrame(TAB, 4);
    expect(status()).not.toHaveProperty('otherCalls');
  });

  it('an error in an iframe does not take over a call in another iframe either', () => {
    calls.report(TAB, 6, encrypted());
    now += 10;
    calls.pageError(TAB, 0, 'worker-blocked');
    expect(status()).toMatchObject({ state: 'encrypted', frameId: 6, otherCalls: 1 });
  });

  it('forgets frames and tabs', () => {
    calls.report(TAB, 0, encrypted());
    calls.report(TAB, 3, report({ session: SESSION_B }));
    calls.forgetFrame(TAB, 0);
    expect(status()).toMatchObject({ state: 'negotiating', frameId: 3 });
    calls.forgetTab(TAB);
    expect(status().state).toBe('off');
    expect(calls.tabIds()).toEqual([]);
  });
});

describe('page errors', () => {
  it.each<[string, DetailCode]>([
    ['worker-blocked', 'worker-blocked'],
    ['no-bridge', 'no-bridge'],
    ['unsupported-browser', 'unsupported-browser'],
  ])('%s is an error, or blocked where policy requires E2EE (fail closed)', (code, detail) => {
    calls.pageError(TAB, 0, code as 'worker-blocked');
    expect(status({ failClosed: false })).toMatchObject({ state: 'error', detail });
    expect(status({ failClosed: true })).toMatchObject({ state: 'blocked', detail });
  });

  it('is cleared by the frame’s next worker session, not by its current one', () => {
    calls.report(TAB, 0, report({ session: SESSION_A, seq: 1 }));
    calls.pageError(TAB, 0, 'worker-blocked');
    calls.report(TAB, 0, report({ session: SESSION_A, seq: 2 }));
    expect(status().state).toBe('error');
    calls.report(TAB, 0, report({ session: SESSION_B, seq: 1 }));
    expect(status().state).toBe('negotiating');
  });

  it('is cleared by the first session of a frame that had none', () => {
    calls.pageError(TAB, 0, 'no-bridge');
    calls.report(TAB, 0, report({ session: SESSION_A, seq: 1 }));
    expect(status().state).toBe('negotiating');
  });

  it('app-transform changes no state, and is said on the frame that has it', () => {
    calls.report(TAB, 0, encrypted());
    expect(status()).not.toHaveProperty('appTransform');
    calls.pageError(TAB, 2, 'app-transform');
    expect(status()).toMatchObject({ state: 'encrypted' });
    expect(status()).not.toHaveProperty('appTransform');
    calls.pageError(TAB, 0, 'app-transform');
    expect(status()).toMatchObject({ state: 'encrypted', appTransform: true });
    expect(status()).not.toHaveProperty('otherCalls');
  });
});

describe('verified', () => {
  it('is shown for encrypted when the peer key is a verified peer', () => {
    calls.report(TAB, 0, encrypted());
    expect(status({ isVerifiedPeer: (k) => k === KEY_1 }).state).toBe('verified');
    expect(status({ isVerifiedPeer: (k) => k === KEY_2 }).state).toBe('encrypted');
  });

  it('is never shown for identity-changed just because the new key was verified before', () => {
    calls.report(TAB, 0, encrypted({ state: 'identity-changed', epoch: 2, peerIdentityPublicKey: KEY_2 }));
    expect(status({ isVerifiedPeer: () => true }).state).toBe('identity-changed');
  });

  it('for identity-changed, only once the user confirmed exactly that frame, session, epoch, code and key', () => {
    const changed = encrypted({ state: 'identity-changed', epoch: 2, securityCode: CODE_2, peerIdentityPublicKey: KEY_2 });
    calls.report(TAB, 0, changed);
    const shown = shownFrom(TAB, 0, changed);
    for (const stale of [
      { ...shown, frameId: 1 },
      { ...shown, session: SESSION_B },
      { ...shown, epoch: 1 },
      { ...shown, securityCode: CODE_1 },
      { ...shown, peerIdentityPublicKey: KEY_1 },
    ]) {
      expect(calls.confirm(stale)).toBe(false);
      expect(status().state).toBe('identity-changed');
    }
    expect(calls.confirm(shown)).toBe(true);
    expect(status()).toMatchObject({ state: 'verified', securityCode: CODE_2, epoch: 2 });

    // The confirmed identity re-keys (the peer reloaded): its signature vouches for the new pair, still verified.
    calls.report(TAB, 0, { ...changed, seq: 2, epoch: 3, securityCode: CODE_1 });
    expect(status()).toMatchObject({ state: 'verified', epoch: 3 });

    // Another change of identity in the same session: loud again.
    calls.report(TAB, 0, { ...changed, seq: 3, epoch: 4, securityCode: CODE_1, peerIdentityPublicKey: KEY_1 });
    expect(status().state).toBe('identity-changed');
  });

  it('a confirmation withdrawn (the contact could not be stored) leaves the call as it was before', () => {
    const changed = encrypted({ state: 'identity-changed', epoch: 2 });
    calls.report(TAB, 0, changed);
    const shown = shownFrom(TAB, 0, changed);
    expect(calls.confirm(shown)).toBe(true);
    expect(status().state).toBe('verified');
    // Only exactly that confirmation is withdrawn: a stale one changes nothing.
    calls.withdraw({ ...shown, epoch: 1 });
    expect(status().state).toBe('verified');
    calls.withdraw(shown);
    expect(status().state).toBe('identity-changed');
  });

  it('a confirmation does not outlive its session', () => {
    const changed = encrypted({ state: 'identity-changed', epoch: 2 });
    calls.report(TAB, 0, changed);
    calls.confirm(shownFrom(TAB, 0, changed));
    calls.report(TAB, 0, { ...changed, session: SESSION_B });
    expect(status().state).toBe('identity-changed');
  });

  it('confirms nothing that has expired, nor a state without a code', () => {
    const call = encrypted();
    calls.report(TAB, 0, call);
    now += HEARTBEAT_TIMEOUT_MS;
    expect(calls.confirm(shownFrom(TAB, 0, call))).toBe(false);
    calls.report(TAB, 0, report({ session: SESSION_B }));
    expect(calls.confirm({ ...shownFrom(TAB, 0, call), session: SESSION_B, epoch: 0 })).toBe(false);
  });
});

describe('what is shown', () => {
  it('is off for every tab while the switch is off, whatever the page claims', () => {
    calls.report(TAB, 0, encrypted());
    expect(status({ enabled: false })).toEqual({ state: 'off', epoch: 0, counters: ZERO_COUNTERS });
  });

  it('carries the frame, session, epoch, code, peer key and fingerprint of an encrypted call', () => {
    calls.report(TAB, 2, encrypted({ epoch: 4, counters: counters(3) }), 'abcd ef01');
    expect(status()).toEqual({
      state: 'encrypted',
      frameId: 2,
      session: SESSION_A,
      epoch: 4,
      securityCode: CODE_1,
      peerIdentityPublicKey: KEY_1,
      peerIdentityFingerprint: 'abcd ef01',
      counters: counters(3),
      keysChangedAt: expect.any(Number),
    });
  });

  it('carries the codec only with unsupported-codec', () => {
    calls.report(TAB, 0, report({ state: 'blocked', detail: 'unsupported-codec', codec: 'H264' }));
    expect(status()).toMatchObject({ state: 'blocked', detail: 'unsupported-codec', codec: 'H264' });
    calls.report(TAB, 0, report({ seq: 2, state: 'blocked', detail: 'no-key-exchange', codec: 'H264' }));
    expect(status()).not.toHaveProperty('codec');
  });

  it('carries the media kind only with the details that drop media', () => {
    calls.report(TAB, 0, report({ state: 'blocked', detail: 'media-not-sent', media: 'video' }));
    expect(status()).toMatchObject({ detail: 'media-not-sent', media: 'video' });
    calls.report(TAB, 0, report({ seq: 2, state: 'blocked', detail: 'unsupported-codec', codec: 'H265', media: 'audio' }));
    expect(status()).toMatchObject({ detail: 'unsupported-codec', codec: 'H265', media: 'audio' });
    calls.report(TAB, 0, report({ seq: 3, state: 'blocked', detail: 'no-key-exchange', media: 'video' }));
    expect(status()).not.toHaveProperty('media');
  });

  it('never passes on text: only details from the fixed list', () => {
    const text = 'Your call is safe. Click here to verify: https://evil.example';
    expect(calls.report(TAB, 0, { ...encrypted(), detail: text as DetailCode })).toBe('rejected');
    expect(calls.report(TAB, 2, { ...encrypted({ session: SESSION_B }), codec: text as 'H264' })).toBe('rejected');
    expect(JSON.stringify(status())).not.toContain('evil');
    expect(status().detail).toBe('internal-error');
  });
});
