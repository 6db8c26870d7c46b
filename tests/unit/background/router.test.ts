/**
 * The background's router, driven through fake ports, a fake clock and in-memory storage: who may talk to it, what
 * it signs and for whom, when it makes an identity, and what "Codes match" verifies (protocol.md §4.3, §7.4).
 */
import { groupCapabilityExtension } from '../../../src/e2ee/group-keys';
import { describe, expect, it } from 'vitest';
import { createRouter, type BackgroundRouter } from '../../../src/background/router';
import type { PopupView } from '../../../src/shared/messages';
import { signatureMessage } from '../../../src/e2ee/signing';
import { bridgePort, EXTENSION_URL, harness, popupPort, type FakePort, type Harness } from './fakes';
import { CODE_2, encrypted, KEY_1, KEY_2, report, SESSION_B, shownFrom } from './report-fixtures';

const input = (fill = 7, length = 40): string => Buffer.alloc(length, fill).toString('base64');

function start(h: Harness = harness()): { h: Harness; bg: BackgroundRouter; open(port: FakePort): FakePort } {
  const bg = createRouter(h.deps);
  return {
    h,
    bg,
    open(port) {
      bg.connect(port);
      return port;
    },
  };
}

async function watch(bg: BackgroundRouter, tabId = 1): Promise<FakePort> {
  const popup = popupPort();
  bg.connect(popup);
  popup.send({ kind: 'watch', tabId });
  await bg.settled();
  return popup;
}

const lastView = (popup: FakePort): PopupView => {
  const views = popup.ofKind('view');
  const view = views.at(-1)?.view as PopupView | undefined;
  if (!view) throw new Error('no view');
  return view;
};

/** The background signs the extensions it appends too: no name here, so only the group capability (§11.3). */
async function verifySignature(publicKeyBase64: string, signature: string, signedInput: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', Buffer.from(publicKeyBase64, 'base64'), 'Ed25519', false, [
    'verify',
  ]);
  const message = Buffer.from(signatureMessage(new Uint8Array(Buffer.from(signedInput, 'base64')), groupCapabilityExtension()));
  return crypto.subtle.verify('Ed25519', key, Buffer.from(signature, 'base64'), message);
}

describe('who may connect', () => {
  it.each([
    ['another extension', { id: 'x'.repeat(32) }],
    ['no tab', { tabId: -1 }],
    ['a chrome: page', { url: 'chrome://settings/', origin: 'chrome://settings' }],
    ['an extension page posing as a bridge', { url: `${EXTENSION_URL}x.html`, origin: EXTENSION_URL.slice(0, -1) }],
    ['an origin that does not match the url', { url: 'https://a.example/', origin: 'https://b.example' }],
    ['an opaque frame claiming a web origin oddly', { url: 'data:text/html,x', origin: 'javascript:x' }],
  ])('refuses a bridge port from %s', async (_name, options) => {
    const { bg, open } = start();
    const port = open(bridgePort(options));
    expect(port.disconnected).toBe(true);
    port.send({ kind: 'attach' });
    await bg.settled();
    expect(port.posted).toEqual([]);
  });

  it('accepts bridges in about:blank, data: and blob: frames with a web or opaque origin', async () => {
    const { bg, open } = start();
    for (const [url, origin] of [
      ['about:blank', 'https://call.example'],
      ['data:text/html,x', 'null'],
      ['blob:https://call.example/0f0f', 'https://call.example'],
    ] as const) {
      const port = open(bridgePort({ url, origin, frameId: 3 }));
      port.send({ kind: 'attach' });
      await bg.settled();
      expect(port.disconnected).toBe(false);
      expect(port.ofKind('settings')).toHaveLength(1);
    }
  });

  it('refuses a popup port that is not an extension page, and unknown port names', () => {
    const { open } = start();
    expect(open(popupPort('https://call.example/')).disconnected).toBe(true);
    const other = bridgePort();
    expect(open(Object.assign(other, { name: 'something-else' })).disconnected).toBe(true);
  });
});

describe('identity and settings', () => {
  it('makes no identity and sends none while E2EE is off', async () => {
    const { h, bg, open } = start(harness(false));
    const port = open(bridgePort());
    port.send({ kind: 'attach' });
    port.send({ kind: 'session', report: report({ state: 'off' }) });
    port.send({ kind: 'sign', requestId: 1, input: input() });
    await bg.settled();
    expect(port.ofKind('settings')).toEqual([
      { kind: 'settings', settings: expect.objectContaining({ enabled: false }), identityPublicKey: null },
    ]);
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'disabled' }]);
    expect(h.store.loads + h.store.saves).toBe(0);

    // Switched on: the identity is made now, once, and sent with the settings.
    h.setSettings(true);
    bg.settingsChanged();
    await bg.settled();
    const settings = port.ofKind('settings').at(-1);
    expect(settings).toMatchObject({ settings: { enabled: true } });
    expect(Buffer.from(settings?.identityPublicKey as string, 'base64')).toHaveLength(32);
    expect(h.store.saves).toBe(1);

    // And off again: null again.
    h.setSettings(false);
    bg.settingsChanged();
    await bg.settled();
    expect(port.ofKind('settings').at(-1)).toMatchObject({ identityPublicKey: null });
  });

  it('pushes a change to every open bridge, of every tab and frame, only where it changed', async () => {
    const { h, bg, open } = start(harness(false));
    const top = open(bridgePort({ tabId: 1 }));
    const widget = open(bridgePort({ tabId: 1, frameId: 4, url: 'https://widget.example/', origin: 'https://widget.example' }));
    const other = open(bridgePort({ tabId: 2 }));
    const bridges = [top, widget, other];
    for (const port of bridges) port.send({ kind: 'attach' });
    await bg.settled();
    const counts = (): number[] => bridges.map((port) => port.ofKind('settings').length);
    expect(counts()).toEqual([1, 1, 1]);

    // A change that changes nothing for a frame sends it nothing.
    bg.settingsChanged();
    await bg.settled();
    expect(counts()).toEqual([1, 1, 1]);

    h.setSettings(true);
    bg.settingsChanged();
    await bg.settled();
    expect(counts()).toEqual([2, 2, 2]);
    for (const port of bridges) expect(port.ofKind('settings').at(-1)).toMatchObject({ settings: { enabled: true } });

    // A bridge that went away is no longer pushed to, and the others still are.
    other.drop();
    h.setSettings(false);
    bg.settingsChanged();
    await bg.settled();
    expect(counts()).toEqual([3, 3, 2]);
    expect(top.ofKind('settings').at(-1)).toMatchObject({ settings: { enabled: false }, identityPublicKey: null });
  });
});

describe('signing', () => {
  it('signs label || input only for a frame whose call is running', async () => {
    const { h, bg, open } = start();
    const port = open(bridgePort());
    port.send({ kind: 'attach' });
    port.send({ kind: 'sign', requestId: 1, input: input() });
    await bg.settled();
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'no-call' }]);

    port.send({ kind: 'session', report: report({ seq: 1, state: 'negotiating' }) });
    port.send({ kind: 'sign', requestId: 2, input: input(9) });
    await bg.settled();
    const [signed] = port.ofKind('signed');
    expect(signed).toMatchObject({ requestId: 2 });
    const publicKey = port.ofKind('settings')[0]?.identityPublicKey as string;
    expect(await verifySignature(publicKey, signed?.signature as string, input(9))).toBe(true);

    // The call's reports stop: no more signatures.
    h.clock.advance(4000);
    port.send({ kind: 'sign', requestId: 3, input: input() });
    // A call reported off: none either.
    port.send({ kind: 'session', report: report({ seq: 2, state: 'off' }) });
    port.send({ kind: 'sign', requestId: 4, input: input() });
    await bg.settled();
    expect(port.ofKind('sign-refused').map((m) => [m.requestId, m.code])).toEqual([
      [1, 'no-call'],
      [3, 'no-call'],
      [4, 'no-call'],
    ]);
  });

  it('a call in one frame does not let another frame of the tab get signatures', async () => {
    const { bg, open } = start();
    const top = open(bridgePort({ frameId: 0 }));
    const iframe = open(bridgePort({ frameId: 5 }));
    top.send({ kind: 'session', report: report() });
    iframe.send({ kind: 'sign', requestId: 1, input: input() });
    await bg.settled();
    expect(iframe.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'no-call' }]);
  });

  it('budgets 12 per tab and origin, across reconnections, then 12 a minute', async () => {
    const { h, bg, open } = start();
    let port = open(bridgePort());
    port.send({ kind: 'session', report: report({ seq: 1 }) });
    for (let i = 1; i <= 13; i++) port.send({ kind: 'sign', requestId: i, input: input() });
    await bg.settled();
    expect(port.ofKind('signed')).toHaveLength(12);
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 13, code: 'rate-limited' }]);

    // The bridge reconnects (or the page reloads): still the same tab and origin, still no budget.
    port.drop();
    port = open(bridgePort());
    port.send({ kind: 'session', report: report({ session: SESSION_B, seq: 1 }) });
    port.send({ kind: 'sign', requestId: 14, input: input() });
    await bg.settled();
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 14, code: 'rate-limited' }]);

    // Another origin in the same tab has its own budget; the same origin in another tab too.
    const iframe = open(bridgePort({ frameId: 2, url: 'https://other.example/' }));
    iframe.send({ kind: 'session', report: report({ seq: 1 }) });
    iframe.send({ kind: 'sign', requestId: 1, input: input() });
    const otherTab = open(bridgePort({ tabId: 2 }));
    otherTab.send({ kind: 'session', report: report({ seq: 1 }) });
    otherTab.send({ kind: 'sign', requestId: 1, input: input() });
    await bg.settled();
    expect(iframe.ofKind('signed')).toHaveLength(1);
    expect(otherTab.ofKind('signed')).toHaveLength(1);

    // 12 a minute: one more every 5 s.
    h.clock.advance(5000);
    port.send({ kind: 'session', report: report({ session: SESSION_B, seq: 2 }) });
    port.send({ kind: 'sign', requestId: 15, input: input() });
    port.send({ kind: 'sign', requestId: 16, input: input() });
    await bg.settled();
    expect(port.ofKind('signed').map((m) => m.requestId)).toEqual([15]);
    expect(port.ofKind('sign-refused').map((m) => m.requestId)).toEqual([14, 16]);
  });

  it.each([
    ['39 bytes', input(7, 39)],
    ['41 bytes', input(7, 41)],
    ['a hello body of version 1 (83 bytes)', input(7, 83)],
    ['no padding', input().replace(/=+$/, '')],
    ['URL-safe base64', Buffer.alloc(40, 0xfb).toString('base64url')],
    ['non-canonical trailing bits', input().replace(/w==$/, 'x==')],
    ['whitespace', ` ${input()}`],
    ['an empty string', ''],
  ])('refuses to sign %s', async (_name, bad) => {
    const { bg, open } = start();
    const port = open(bridgePort());
    port.send({ kind: 'session', report: report() });
    port.send({ kind: 'sign', requestId: 1, input: bad });
    await bg.settled();
    expect(port.ofKind('signed')).toEqual([]);
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'malformed-input' }]);
  });

  it('ignores sign requests without a usable request id, or with bytes that are not a string', async () => {
    const { bg, open } = start();
    const port = open(bridgePort());
    port.send({ kind: 'session', report: report() });
    port.send({ kind: 'sign', requestId: -1, input: input() });
    port.send({ kind: 'sign', requestId: 1.5, input: input() });
    port.send({ kind: 'sign', input: input() });
    port.send({ kind: 'sign-hello', requestId: 1, body: input(7, 83) });
    await bg.settled();
    expect(port.ofKind('signed')).toEqual([]);
  });
});

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

describe('connections replaced', () => {
  it('drops what an old connection sent but was not yet handled when a new one took the frame over', async () => {
    const { bg, open } = start();
    const popup = await watch(bg);
    const first = open(bridgePort());
    first.send({ kind: 'session', report: encrypted() });
    first.send({ kind: 'session', report: encrypted() });
    open(bridgePort());
    await bg.settled();
    expect(lastView(popup).status.state).toBe('off');
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
