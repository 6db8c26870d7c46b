/**
 * The background's router, driven through fake ports, a fake clock and in-memory storage (router-helpers.ts): what
 * status the toolbar and the popup show from the frames' claims, and what "Codes match" verifies (protocol.md §7.4).
 */
import { describe, expect, it } from 'vitest';
import { bridgePort, harness } from './fakes';
import { CODE_2, encrypted, KEY_1, KEY_2, report, SESSION_B, shownFrom } from './report-fixtures';
import { lastView, start, watch } from './router-helpers';

describe('status', () => {
  it('never shows page text', async () => {
    const { bg, open } = start();
    const popup = await watch(bg);
    const port = open(bridgePort());
    const text = 'Your call is safe. Verify at https://evil.example';
    port.send({ kind: 'session', report: { ...report(), detail: text } });
    port.send({ kind: 'page-error', code: text });
    port.send({ kind: 'page-error', code: 'worker-blocked', message: text });
    await bg.settled();
    const views = popup.ofKind('view');
    expect(JSON.stringify(views)).not.toContain('evil');
    expect(lastView(popup).status).toMatchObject({ state: 'error', detail: 'worker-blocked' });
  });

  it('shows blocked for a blocked worker where policy requires E2EE', async () => {
    const { bg, open } = start(harness(true, 'required'));
    const popup = await watch(bg);
    open(bridgePort()).send({ kind: 'page-error', code: 'worker-blocked' });
    await bg.settled();
    expect(lastView(popup).status).toMatchObject({ state: 'blocked', detail: 'worker-blocked' });
  });

  it('updates the toolbar and the popup when a call’s reports stop', async () => {
    const { h, bg, open } = start();
    const popup = await watch(bg);
    open(bridgePort()).send({ kind: 'session', report: encrypted() });
    await bg.settled();
    expect(h.toolbar.get(1)?.state).toBe('encrypted');
    h.clock.advance(3999);
    await bg.settled();
    expect(h.toolbar.get(1)?.state).toBe('encrypted');
    h.clock.advance(1);
    await bg.settled();
    expect(h.toolbar.get(1)?.state).toBe('off');
    expect(lastView(popup).status.state).toBe('off');
  });

  it('forgets a frame whose bridge disconnects, but not for a bridge that replaced it', async () => {
    const { bg, open } = start();
    const popup = await watch(bg);
    const first = open(bridgePort());
    first.send({ kind: 'session', report: encrypted() });
    await bg.settled();
    const second = open(bridgePort());
    second.send({ kind: 'session', report: report({ session: SESSION_B }) });
    first.drop();
    await bg.settled();
    expect(lastView(popup).status).toMatchObject({ state: 'negotiating', session: SESSION_B });
    second.drop();
    await bg.settled();
    expect(lastView(popup).status.state).toBe('off');
  });

  it('ignores what an old connection of a frame still sends after a new one took over', async () => {
    const { bg, open } = start();
    const popup = await watch(bg);
    const first = open(bridgePort());
    const second = open(bridgePort());
    second.send({ kind: 'session', report: report({ session: SESSION_B }) });
    first.send({ kind: 'session', report: encrypted() });
    await bg.settled();
    expect(lastView(popup).status).toMatchObject({ state: 'negotiating', session: SESSION_B });
  });
});


describe('"Codes match" verifies what was shown', () => {
  async function encryptedCall(h = harness()) {
    const { bg, open } = start(h);
    const popup = await watch(bg);
    const port = open(bridgePort());
    const call = encrypted({ seq: 1 });
    port.send({ kind: 'session', report: call });
    await bg.settled();
    return { h, bg, popup, port, call };
  }

  it('verifies the peer key the popup showed, while it is current', async () => {
    const { h, bg, popup } = await encryptedCall();
    const { status, tabId } = lastView(popup);
    expect(status).toMatchObject({ state: 'encrypted', frameId: 0, peerIdentityPublicKey: KEY_1 });
    popup.send({
      kind: 'mark-verified',
      tabId,
      frameId: status.frameId,
      session: status.session,
      epoch: status.epoch,
      securityCode: status.securityCode,
      peerIdentityPublicKey: status.peerIdentityPublicKey,
    });
    await bg.settled();
    expect([...h.verified]).toEqual([KEY_1]);
    expect(lastView(popup).status.state).toBe('verified');
  });

  it.each([
    ['a new epoch with another identity', { seq: 2, epoch: 2, securityCode: CODE_2, peerIdentityPublicKey: KEY_2 }],
    ['a new epoch, same identity', { seq: 2, epoch: 2, securityCode: CODE_2 }],
    ['a new session', { session: SESSION_B, seq: 1 }],
  ])('refuses, with call-changed, once the call moved on (%s); the key current at click time is not verified', async (_n, next) => {
    const { h, bg, popup, port, call } = await encryptedCall();
    const shown = shownFrom(1, 0, call);
    port.send({ kind: 'session', report: encrypted({ ...call, ...next }) });
    await bg.settled();
    popup.send({ kind: 'mark-verified', ...shown });
    await bg.settled();
    expect(h.verified.size).toBe(0);
    expect(popup.ofKind('failed')).toEqual([{ kind: 'failed', code: 'call-changed', message: expect.any(String) }]);
    expect(lastView(popup).status.state).not.toBe('verified');
  });

  it.each([
    ['epoch', { epoch: 2 }],
    ['code', { securityCode: CODE_2 }],
    ['key', { peerIdentityPublicKey: KEY_2 }],
    ['session', { session: SESSION_B }],
    ['frame', { frameId: 3 }],
  ])('refuses a stale or altered %s', async (_n, change) => {
    const { h, bg, popup, call } = await encryptedCall();
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, call), ...change });
    await bg.settled();
    expect(h.verified.size).toBe(0);
    expect(popup.ofKind('failed').map((m) => m.code)).toEqual(['call-changed']);
  });

  it('refuses a call that has expired', async () => {
    const { h, bg, popup, call } = await encryptedCall();
    h.clock.advance(4000);
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, call) });
    await bg.settled();
    expect(h.verified.size).toBe(0);
    expect(popup.ofKind('failed').map((m) => m.code)).toEqual(['call-changed']);
  });

  it('refuses while E2EE is off', async () => {
    const { h, bg, popup, call } = await encryptedCall();
    h.setSettings(false);
    bg.settingsChanged();
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, call) });
    await bg.settled();
    expect(h.verified.size).toBe(0);
    expect(popup.ofKind('failed').map((m) => m.code)).toEqual(['call-changed']);
  });

  it('confirms an identity change only for exactly what was shown, and then shows verified', async () => {
    const { h, bg, popup, port, call } = await encryptedCall();
    const changed = { ...call, seq: 2, state: 'identity-changed' as const, epoch: 2, securityCode: CODE_2 };
    Object.assign(changed, { peerIdentityPublicKey: KEY_2 });
    port.send({ kind: 'session', report: changed });
    await bg.settled();
    expect(lastView(popup).status).toMatchObject({ state: 'identity-changed', securityCode: CODE_2 });
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, changed) });
    await bg.settled();
    expect(lastView(popup).status.state).toBe('verified');
    expect([...h.verified]).toEqual([KEY_2]);
  });

  it('drops malformed requests', async () => {
    const { h, bg, popup, call } = await encryptedCall();
    popup.send({ kind: 'mark-verified', tabId: 1 });
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, call), peerIdentityPublicKey: 'cGVlcg==' });
    await bg.settled();
    expect(h.verified.size).toBe(0);
  });
});
