/**
 * The shape checks at the background's door (shared/message-checks.ts): strict formats for everything a page or the
 * popup sends, so that malformed or page-written values never get as far as the status rules or the signer.
 */
import { describe, expect, it } from 'vitest';
import { isPossibleReport } from '../../../src/background/report-rules';
import type { SessionReport } from '../../../src/shared/messages';
import {
  copySessionReport,
  isPageToBackground,
  isPopupToBackground,
  malformedSignRequestId,
} from '../../../src/shared/message-checks';
import { encrypted, KEY_1, report, shownFrom } from '../background/report-fixtures';

const input40 = Buffer.alloc(40, 3).toString('base64');

describe('isPageToBackground', () => {
  it('accepts the v2 shapes', () => {
    expect(isPageToBackground({ kind: 'attach' })).toBe(true);
    expect(isPageToBackground({ kind: 'sign', requestId: 0, input: input40 })).toBe(true);
    expect(isPageToBackground({ kind: 'session', report: encrypted() })).toBe(true);
    expect(isPageToBackground({ kind: 'session', report: report({ detail: 'unsupported-codec', codec: 'AV1' }) })).toBe(
      true,
    );
    expect(
      isPageToBackground({ kind: 'session', report: report({ detail: 'unsupported-codec', codec: 'H265', media: 'video' }) }),
    ).toBe(true);
    expect(isPageToBackground({ kind: 'session', report: report({ detail: 'media-not-sent', media: 'audio' }) })).toBe(true);
    for (const code of ['worker-blocked', 'unsupported-browser', 'no-bridge', 'app-transform']) {
      expect(isPageToBackground({ kind: 'page-error', code })).toBe(true);
    }
  });

  it.each([
    ['a v1 hello to sign', { kind: 'sign-hello', requestId: 1, body: input40 }],
    ['a sign input of 41 bytes', { kind: 'sign', requestId: 1, input: Buffer.alloc(41).toString('base64') }],
    ['a fractional request id', { kind: 'sign', requestId: 0.5, input: input40 }],
    ['a session id in capitals', { kind: 'session', report: report({ session: 'A'.repeat(32) }) }],
    ['a short session id', { kind: 'session', report: report({ session: 'ab' }) }],
    ['a negative seq', { kind: 'session', report: report({ seq: -1 }) }],
    ['a string seq', { kind: 'session', report: { ...report(), seq: '3' } }],
    ['a claimed verified state', { kind: 'session', report: report({ state: 'verified' as never }) }],
    ['free text as detail', { kind: 'session', report: { ...report(), detail: 'Call is safe' } }],
    ['a codec off the list', { kind: 'session', report: { ...report(), codec: 'H.264 (safe)' } }],
    ['a media kind off the list', { kind: 'session', report: { ...report(), media: 'screen (safe)' } }],
    ['a loose code', { kind: 'session', report: encrypted({ securityCode: '1111111111 1111111111' }) }],
    ['a peer key of 33 bytes', { kind: 'session', report: encrypted({ peerIdentityPublicKey: Buffer.alloc(33).toString('base64') }) }],
    ['a page-error with an unknown code', { kind: 'page-error', code: 'Your call is safe' }],
    ['a page-error without code', { kind: 'page-error', message: 'x' }],
    ['nothing', null],
  ])('refuses %s', (_name, message) => {
    expect(isPageToBackground(message)).toBe(false);
  });

  it('names the request id of a malformed sign request, so it can be refused', () => {
    expect(malformedSignRequestId({ kind: 'sign', requestId: 4, input: 'AAAA' })).toBe(4);
    expect(malformedSignRequestId({ kind: 'sign', requestId: 4, input: 40 })).toBe(4);
    expect(malformedSignRequestId({ kind: 'sign', requestId: 4, input: input40 })).toBeUndefined();
    expect(malformedSignRequestId({ kind: 'sign', requestId: -4, input: 'AAAA' })).toBeUndefined();
    expect(malformedSignRequestId({ kind: 'session', requestId: 4 })).toBeUndefined();
  });
});

describe('isPopupToBackground', () => {
  it('takes "Codes match" only with everything that was shown, each well-formed', () => {
    const shown = shownFrom(3, 0, encrypted());
    expect(isPopupToBackground({ kind: 'mark-verified', ...shown })).toBe(true);
    expect(isPopupToBackground({ kind: 'mark-verified', tabId: 3 })).toBe(false);
    for (const key of Object.keys(shown) as Array<keyof typeof shown>) {
      const { [key]: _drop, ...rest } = shown;
      expect(isPopupToBackground({ kind: 'mark-verified', ...rest }), key).toBe(false);
    }
    expect(isPopupToBackground({ kind: 'mark-verified', ...shown, peerIdentityPublicKey: KEY_1.slice(4) })).toBe(false);
    expect(isPopupToBackground({ kind: 'mark-verified', ...shown, securityCode: '1' })).toBe(false);
    expect(isPopupToBackground({ kind: 'mark-verified', ...shown, frameId: -1 })).toBe(false);
  });

  it('takes a participant’s "Codes match" only with its frame, session, code and key, each well-formed', () => {
    const { epoch: _epoch, ...shown } = shownFrom(3, 0, encrypted());
    expect(isPopupToBackground({ kind: 'mark-participant-verified', ...shown })).toBe(true);
    expect(isPopupToBackground({ kind: 'mark-participant-verified', ...shown, contactName: 'Bob' })).toBe(true);
    for (const key of Object.keys(shown) as Array<keyof typeof shown>) {
      const { [key]: _drop, ...rest } = shown;
      expect(isPopupToBackground({ kind: 'mark-participant-verified', ...rest }), key).toBe(false);
    }
    expect(isPopupToBackground({ kind: 'mark-participant-verified', ...shown, securityCode: '1' })).toBe(false);
    expect(isPopupToBackground({ kind: 'mark-participant-verified', ...shown, contactName: 'x'.repeat(10_000) })).toBe(false);
    expect(isPopupToBackground({ kind: 'mark-participant-verified', ...shown, contactName: 7 })).toBe(false);
  });

  it('keeps watch and set-enabled', () => {
    expect(isPopupToBackground({ kind: 'watch', tabId: 1 })).toBe(true);
    expect(isPopupToBackground({ kind: 'set-enabled', enabled: true })).toBe(true);
    expect(isPopupToBackground({ kind: 'set-enabled', enabled: 'yes' })).toBe(false);
  });

  it('takes "Refresh" for the organization’s policy', () => {
    expect(isPopupToBackground({ kind: 'refresh-policy' })).toBe(true);
    expect(isPopupToBackground({ kind: 'refresh' })).toBe(false);
  });
});

describe('session reports of a group call (protocol.md §11.7, §11.9)', () => {
  const participant = {
    state: 'encrypted',
    securityCode: '11111 22222 33333 44444',
    peerIdentityPublicKey: Buffer.alloc(32, 1).toString('base64'),
    hearsYou: true,
    youHear: true,
  };
  const groupReport = {
    session: '0123456789abcdef0123456789abcdef',
    seq: 3,
    state: 'encrypted',
    epoch: 2,
    counters: { encrypted: 0, decrypted: 0, dropped: 0, plaintext: 0 },
    participants: [participant, { ...participant, peerIdentityPublicKey: Buffer.alloc(32, 2).toString('base64') }],
    groupCode: '98765 43210 98765 43210',
  };

  it('carry the group code in its one spelling, and only with the participants it is over', () => {
    expect(isPossibleReport(groupReport)).toBe(true);
    expect(copySessionReport(groupReport as SessionReport).groupCode).toBe(groupReport.groupCode);
    for (const groupCode of ['98765432109876543210', '98765 43210 98765 4321', 42, '']) {
      expect(isPossibleReport({ ...groupReport, groupCode })).toBe(false);
    }
    const { participants: _, ...withoutParticipants } = groupReport;
    expect(isPossibleReport(withoutParticipants)).toBe(false);
    const { groupCode: __, ...pending } = groupReport;
    expect(isPossibleReport(pending)).toBe(true);
  });

  it('mark whose part of the group code is missing with codePending: true only, and copy it on', () => {
    const { groupCode: _, ...waiting } = groupReport;
    const marked = { ...waiting, participants: [{ ...participant, codePending: true }, participant] };
    expect(isPossibleReport(marked)).toBe(true);
    expect(copySessionReport(marked as SessionReport).participants?.map((p) => p.codePending)).toEqual([true, undefined]);
    for (const codePending of [false, 'yes', 1, null]) {
      expect(isPossibleReport({ ...waiting, participants: [{ ...participant, codePending }] }), String(codePending)).toBe(false);
    }
  });

  it('list a participant whose CallSeal needs an update, and count those without CallSeal (1 to 32) in an encrypted call', () => {
    const updating = { ...participant, state: 'needs-update', hearsYou: false, youHear: false };
    const mixed = { ...groupReport, participants: [participant, updating], withoutCallSeal: 2 };
    expect(isPossibleReport(mixed)).toBe(true);
    const copy = copySessionReport(mixed as SessionReport);
    expect([copy.participants?.[1]?.state, copy.withoutCallSeal]).toEqual(['needs-update', 2]);
    for (const state of ['not-encrypted', 'verified', 'blocked']) {
      expect(isPossibleReport({ ...groupReport, participants: [{ ...participant, state }] }), state).toBe(false);
    }
    for (const withoutCallSeal of [0, 33, 1.5, -1, '2', null]) {
      expect(isPossibleReport({ ...groupReport, withoutCallSeal }), String(withoutCallSeal)).toBe(false);
    }
    const { participants: _, groupCode: __, ...callOfTwo } = groupReport;
    expect(isPossibleReport({ ...callOfTwo, state: 'negotiating', withoutCallSeal: 1 })).toBe(false);
  });
});
