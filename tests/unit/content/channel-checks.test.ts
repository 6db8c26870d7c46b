/**
 * The shape checks on the page side's channels (protocol.md §7.2, §7.4): what the bridge accepts from the worker
 * (port B) and from the background, what the worker accepts from the bridge, and the hook's signals. Anything off
 * the contract — a wrong length, an extra kind, a page-made string where a code belongs — is refused.
 */
import { describe, expect, it } from 'vitest';
import { isHookSignal } from '../../../src/content/page-channel';
import type { SessionReport } from '../../../src/shared/messages';
import { copySessionReport, isBackgroundToPage, isSessionReport } from '../../../src/shared/message-checks';
import { isBridgeToWorker, isWorkerToBridge } from '../../../src/shared/worker-messages';

const report: SessionReport = {
  session: '0123456789abcdef0123456789abcdef',
  seq: 3,
  state: 'encrypted',
  epoch: 1,
  securityCode: '01234 56789 01234 56789',
  peerIdentityPublicKey: `${'A'.repeat(43)}=`,
  counters: { encrypted: 1, decrypted: 2, dropped: 0, plaintext: 0 },
};
const settings = { enabled: true, allowPlaintextFallback: false, fallbackAfterMs: 4000 };

describe('worker → bridge', () => {
  it('takes attach, a 40-byte signing input and a well-formed report', () => {
    expect(isWorkerToBridge({ kind: 'attach' })).toBe(true);
    expect(isWorkerToBridge({ kind: 'sign', requestId: 7, input: new Uint8Array(40) })).toBe(true);
    expect(isWorkerToBridge({ kind: 'report', report })).toBe(true);
  });

  it('refuses other lengths, ids and kinds', () => {
    for (const length of [0, 39, 41, 83]) expect(isWorkerToBridge({ kind: 'sign', requestId: 1, input: new Uint8Array(length) })).toBe(false);
    expect(isWorkerToBridge({ kind: 'sign', requestId: -1, input: new Uint8Array(40) })).toBe(false);
    expect(isWorkerToBridge({ kind: 'sign', requestId: 1, input: Array(40).fill(0) })).toBe(false);
    expect(isWorkerToBridge({ kind: 'sign-hello', requestId: 1, body: 'AAAA' })).toBe(false);
    expect(isWorkerToBridge({ kind: 'session', report })).toBe(false);
    expect(isWorkerToBridge(null)).toBe(false);
  });

  it('refuses reports off the contract: verified, free text, bad session, code or key', () => {
    expect(isSessionReport({ ...report, state: 'verified' })).toBe(false);
    expect(isSessionReport({ ...report, detail: 'This site is safe, trust it.' })).toBe(false);
    expect(isSessionReport({ ...report, detail: 'worker-blocked' })).toBe(true);
    expect(isSessionReport({ ...report, session: 'ABC' })).toBe(false);
    expect(isSessionReport({ ...report, securityCode: '12345' })).toBe(false);
    expect(isSessionReport({ ...report, peerIdentityPublicKey: 'not a key' })).toBe(false);
    expect(isSessionReport({ ...report, counters: { encrypted: -1, decrypted: 0, dropped: 0, plaintext: 0 } })).toBe(false);
  });

  it('copies exactly the contract fields of a report', () => {
    const copy = copySessionReport({ ...report, extra: 'page text' } as SessionReport);
    expect(copy).toEqual(report);
    expect('extra' in copy).toBe(false);
    const dropped = { ...report, detail: 'unsupported-codec', codec: 'H265', media: 'video' } as SessionReport;
    expect(copySessionReport(dropped)).toEqual(dropped);
    const counted = { ...report, counters: { ...report.counters, dropped: 3, drops: { replay: 2, 'auth-failed': 1 } } };
    expect(copySessionReport(counted)).toEqual(counted);
    const extra = { ...counted, counters: { ...counted.counters, drops: { replay: 2, 'auth-failed': 1, note: 'x' } } } as never;
    expect('note' in (copySessionReport(extra).counters.drops ?? {})).toBe(false);
  });

  it('takes drop counts by reason, from the fixed list only (issue 8)', () => {
    const counters = { ...report.counters, dropped: 3, drops: { replay: 2, malformed: 1 } };
    expect(isSessionReport({ ...report, counters })).toBe(true);
    expect(isSessionReport({ ...report, counters: { ...counters, drops: { 'Your call is safe': 1 } } })).toBe(false);
    expect(isSessionReport({ ...report, counters: { ...counters, drops: { replay: -1 } } })).toBe(false);
    expect(isSessionReport({ ...report, counters: { ...counters, drops: { replay: 1.5 } } })).toBe(false);
    expect(isSessionReport({ ...report, counters: { ...counters, drops: 'many' } })).toBe(false);
  });
});

describe('bridge → worker', () => {
  it('takes settings (key null while off), 64-byte signatures, refusals and detached', () => {
    expect(isBridgeToWorker({ kind: 'settings', settings, identityPublicKey: new Uint8Array(32) })).toBe(true);
    expect(isBridgeToWorker({ kind: 'settings', settings: { ...settings, enabled: false }, identityPublicKey: null })).toBe(true);
    expect(isBridgeToWorker({ kind: 'signed', requestId: 1, signature: new Uint8Array(64), extensions: new Uint8Array(0) })).toBe(true);
    const named = Uint8Array.of(1, 3, 0x42, 0x6f, 0x62);
    expect(isBridgeToWorker({ kind: 'signed', requestId: 1, signature: new Uint8Array(64), extensions: named })).toBe(true);
    // Extensions a sender may not write (a bad name, overrunning framing), or none at all: refused.
    const bad = Uint8Array.of(1, 2, 0xc0, 0x80);
    expect(isBridgeToWorker({ kind: 'signed', requestId: 1, signature: new Uint8Array(64), extensions: bad })).toBe(false);
    expect(isBridgeToWorker({ kind: 'signed', requestId: 1, signature: new Uint8Array(64), extensions: Uint8Array.of(1, 9) })).toBe(false);
    expect(isBridgeToWorker({ kind: 'signed', requestId: 1, signature: new Uint8Array(64) })).toBe(false);
    expect(isBridgeToWorker({ kind: 'sign-refused', requestId: 1, code: 'rate-limited' })).toBe(true);
    expect(isBridgeToWorker({ kind: 'detached' })).toBe(true);
  });

  it('refuses malformed settings, keys and signatures', () => {
    expect(isBridgeToWorker({ kind: 'settings', settings, identityPublicKey: new Uint8Array(31) })).toBe(false);
    expect(isBridgeToWorker({ kind: 'settings', settings: { enabled: 'yes' }, identityPublicKey: null })).toBe(false);
    expect(isBridgeToWorker({ kind: 'settings', settings: { ...settings, fallbackAfterMs: Infinity }, identityPublicKey: null })).toBe(false);
    expect(isBridgeToWorker({ kind: 'signed', requestId: 1, signature: new Uint8Array(63) })).toBe(false);
    expect(isBridgeToWorker({ kind: 'sign-refused', requestId: 1, code: 'x'.repeat(65) })).toBe(false);
    expect(isBridgeToWorker({ kind: 'hello-signed', requestId: 1, signature: new Uint8Array(64) })).toBe(false);
  });
});

describe('background → bridge', () => {
  it('takes the contract and nothing else', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const signature = Buffer.alloc(64, 9).toString('base64');
    expect(isBackgroundToPage({ kind: 'settings', settings, identityPublicKey: key })).toBe(true);
    expect(isBackgroundToPage({ kind: 'settings', settings, identityPublicKey: null })).toBe(true);
    expect(isBackgroundToPage({ kind: 'signed', requestId: 2, signature, extensions: '' })).toBe(true);
    expect(isBackgroundToPage({ kind: 'signed', requestId: 2, signature, extensions: 'AQNCb2I=' })).toBe(true);
    expect(isBackgroundToPage({ kind: 'signed', requestId: 2, signature })).toBe(false);
    expect(isBackgroundToPage({ kind: 'signed', requestId: 2, signature, extensions: 'A'.repeat(200) })).toBe(false);
    expect(isBackgroundToPage({ kind: 'sign-refused', requestId: 2, code: 'disabled' })).toBe(true);
    // Byte strings of the wrong length, and refusal codes off the list, are refused at the door.
    expect(isBackgroundToPage({ kind: 'settings', settings, identityPublicKey: 'AAAA' })).toBe(false);
    expect(isBackgroundToPage({ kind: 'signed', requestId: 2, signature: 'AAAA' })).toBe(false);
    expect(isBackgroundToPage({ kind: 'sign-refused', requestId: 2, code: 'page text' })).toBe(false);
    expect(isBackgroundToPage({ kind: 'settings', settings: {}, identityPublicKey: null })).toBe(false);
    expect(isBackgroundToPage({ kind: 'hello-signed', requestId: 2, signature: 'AAAA' })).toBe(false);
    expect(isBackgroundToPage({ kind: 'signed', requestId: 'x', signature: 'AAAA' })).toBe(false);
  });
});

describe('hook → bridge on port A', () => {
  it('takes the four signals only, as strings', () => {
    for (const signal of ['media-requested', 'worker-blocked', 'unsupported-browser', 'app-transform']) expect(isHookSignal(signal)).toBe(true);
    expect(isHookSignal('settings')).toBe(false);
    expect(isHookSignal({ kind: 'attach' })).toBe(false);
    expect(isHookSignal(new String('media-requested'))).toBe(false);
  });
});
