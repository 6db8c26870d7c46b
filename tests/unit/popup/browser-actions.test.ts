import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONNECTION_LOST, BAD_MESSAGE, createBrowserActions } from '../../../src/popup/actions';
import { isBackgroundToPopup } from '../../../src/shared/message-checks';
import { fakeView } from './fake-actions';
import { POPUP_PORT, type PopupView, type ShownCall } from '../../../src/shared/messages';
import { FakeBrowser } from './fake-browser';

function setup(options: Parameters<typeof createBrowserActions>[1] = {}) {
  const browser = new FakeBrowser();
  const actions = createBrowserActions(browser, { retryDelaysMs: [10, 100], ...options });
  const views: PopupView[] = [];
  const failures: Array<[string, string]> = [];
  const watch = (tabId = 5) =>
    actions.watch(
      tabId,
      (view) => views.push(view),
      (code, message) => failures.push([code, message]),
    );
  return { browser, actions, views, failures, watch };
}

const SHOWN: ShownCall = {
  tabId: 5,
  frameId: 0,
  session: '0123456789abcdef0123456789abcdef',
  epoch: 1,
  securityCode: '12345 67890 12345 67890',
  peerIdentityPublicKey: Buffer.alloc(32, 9).toString('base64'),
};

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createBrowserActions: watch', () => {
  it('connects on the popup port, asks for the tab and delivers its views', () => {
    const { browser, views, watch } = setup();
    watch(5);
    expect(browser.ports).toHaveLength(1);
    expect(browser.port.name).toBe(POPUP_PORT);
    expect(browser.port.posted).toEqual([{ kind: 'watch', tabId: 5 }]);

    const view = fakeView(5, { state: 'encrypted', securityCode: '12345 67890 12345 67890' }, { enabled: true });
    browser.port.deliver({ kind: 'view', view });
    expect(views).toEqual([view]);
  });

  it("ignores another tab's views", () => {
    const { browser, views, watch } = setup();
    watch(5);
    browser.port.deliver({ kind: 'view', view: fakeView(6) });
    expect(views).toEqual([]);
  });

  it('passes on failures from the background', () => {
    const { browser, failures, watch } = setup();
    watch(5);
    browser.port.deliver({ kind: 'failed', code: 'policy', message: 'Your organization manages this setting.' });
    expect(failures).toEqual([['policy', 'Your organization manages this setting.']]);
  });

  it('reports a malformed message instead of rendering it', () => {
    const { browser, views, failures, watch } = setup();
    watch(5);
    browser.port.deliver({ kind: 'view', view: { tabId: 5, status: { state: 'secure' } } });
    browser.port.deliver('hello');
    expect(views).toEqual([]);
    expect(failures.map(([code]) => code)).toEqual([BAD_MESSAGE, BAD_MESSAGE]);
  });

  it('reconnects and watches again when the service worker restarts', () => {
    const { browser, views, failures, watch } = setup();
    watch(5);
    const first = browser.port;
    first.drop();
    expect(browser.ports).toHaveLength(1);
    vi.advanceTimersByTime(10);
    expect(browser.ports).toHaveLength(2);
    expect(browser.port).not.toBe(first);
    expect(browser.port.posted).toEqual([{ kind: 'watch', tabId: 5 }]);

    // The old port is ignored even if something still arrives on it.
    first.deliver({ kind: 'view', view: fakeView(5, { state: 'error' }) });
    browser.port.deliver({ kind: 'view', view: fakeView(5, { state: 'negotiating' }) });
    expect(views.map((v) => v.status.state)).toEqual(['negotiating']);
    expect(failures).toEqual([]);
  });

  it('backs off, tells the watcher after repeated failures, and recovers', () => {
    const { browser, views, failures, watch } = setup({ reportAfterFailures: 3 });
    watch(5);
    browser.port.drop(); // 1
    vi.advanceTimersByTime(10);
    browser.port.drop(); // 2
    vi.advanceTimersByTime(99);
    expect(browser.ports).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(browser.ports).toHaveLength(3);
    expect(failures).toEqual([]);
    browser.port.drop(); // 3: reported once
    expect(failures.map(([code]) => code)).toEqual([CONNECTION_LOST]);
    vi.advanceTimersByTime(100);
    browser.port.drop(); // 4: not reported again
    expect(failures).toHaveLength(1);
    vi.advanceTimersByTime(100);
    browser.port.deliver({ kind: 'view', view: fakeView(5) });
    expect(views).toHaveLength(1);
    expect(browser.ports).toHaveLength(5);
  });

  it('retries when connect itself throws', () => {
    const { browser, failures, watch } = setup({ reportAfterFailures: 1 });
    browser.connectError = new Error('Extension context invalidated.');
    watch(5);
    expect(failures).toEqual([[CONNECTION_LOST, expect.stringContaining('Extension context invalidated.')]]);
    browser.connectError = undefined;
    vi.advanceTimersByTime(10);
    expect(browser.port.posted).toEqual([{ kind: 'watch', tabId: 5 }]);
  });

  it('stops: disconnects, cancels retries and delivers nothing more', () => {
    const { browser, views, watch } = setup();
    const stop = watch(5);
    const port = browser.port;
    stop();
    expect(port.disconnected).toBe(true);
    port.deliver({ kind: 'view', view: fakeView(5) });
    expect(views).toEqual([]);

    const stop2 = watch(5);
    browser.port.drop();
    stop2();
    vi.advanceTimersByTime(10_000);
    expect(browser.ports).toHaveLength(2);
  });
});

describe('createBrowserActions: the user acts', () => {
  it('posts set-enabled and mark-verified on the watching port', () => {
    const { browser, actions, watch } = setup();
    watch(5);
    actions.setEnabled(true);
    actions.markVerified(SHOWN);
    expect(browser.ports).toHaveLength(1);
    expect(browser.port.posted).toEqual([
      { kind: 'watch', tabId: 5 },
      { kind: 'set-enabled', enabled: true },
      { kind: 'mark-verified', ...SHOWN },
    ]);
  });

  it('keeps a click made while disconnected and sends it after reconnecting', () => {
    const { browser, actions, watch } = setup();
    watch(5);
    browser.port.drop();
    actions.setEnabled(false);
    vi.advanceTimersByTime(10);
    expect(browser.port.posted).toEqual([
      { kind: 'watch', tabId: 5 },
      { kind: 'set-enabled', enabled: false },
    ]);
  });

  it('re-sends a click whose post threw on a dead port', () => {
    const { browser, actions, watch } = setup();
    watch(5);
    browser.port.broken = true;
    actions.markVerified(SHOWN);
    vi.advanceTimersByTime(10);
    expect(browser.ports).toHaveLength(2);
    expect(browser.port.posted).toEqual([
      { kind: 'watch', tabId: 5 },
      { kind: 'mark-verified', ...SHOWN },
    ]);
  });

  it('opens a port for a click even without a watcher', () => {
    const { browser, actions } = setup();
    actions.setEnabled(true);
    expect(browser.port.posted).toEqual([{ kind: 'set-enabled', enabled: true }]);
  });

  it('asks the background to refresh the policy', () => {
    const { browser, actions } = setup();
    actions.refreshPolicy();
    expect(browser.port.posted).toEqual([{ kind: 'refresh-policy' }]);
  });
});

describe('isBackgroundToPopup', () => {
  it('accepts views and failures', () => {
    expect(isBackgroundToPopup({ kind: 'view', view: fakeView(1) })).toBe(true);
    expect(
      isBackgroundToPopup({
        kind: 'view',
        view: fakeView(
          1,
          {
            state: 'verified',
            securityCode: SHOWN.securityCode,
            peerIdentityFingerprint: 'ab',
            peerIdentityPublicKey: SHOWN.peerIdentityPublicKey,
            detail: 'peer-stopped-encrypting',
            frameId: 2,
            session: SHOWN.session,
            otherCalls: 1,
          },
          {
            canToggle: false,
            policy: {
              decidedBy: 'organization',
              policyName: 'Finance',
              grantedBy: { kind: 'group', group: 'finance' },
              lines: ['Required by your organization.'],
              canRefresh: true,
              failingSince: 1_700_000_000_000,
            },
          },
        ),
      }),
    ).toBe(true);
    expect(isBackgroundToPopup({ kind: 'failed', code: 'x', message: 'y' })).toBe(true);
  });

  it.each([
    null,
    'view',
    { kind: 'watch', tabId: 1 },
    { kind: 'failed', code: 1, message: 'y' },
    { kind: 'view', view: { ...fakeView(1), enabled: 'yes' } },
    { kind: 'view', view: { ...fakeView(1), tabId: -1 } },
    { kind: 'view', view: fakeView(1, { state: 'secure' as never }) },
    { kind: 'view', view: fakeView(1, { counters: { encrypted: 1, decrypted: 2, dropped: 3 } as never }) },
    { kind: 'view', view: fakeView(1, { securityCode: 12345 as never }) },
    { kind: 'view', view: fakeView(1, { securityCode: '1' }) },
    { kind: 'view', view: fakeView(1, { detail: 'Your call is safe' as never }) },
    { kind: 'view', view: fakeView(1, { codec: 'H.264' as never }) },
    { kind: 'view', view: fakeView(1, { peerIdentityPublicKey: 'cGVlcg==' }) },
    { kind: 'view', view: fakeView(1, { session: 'S' }) },
    { kind: 'view', view: fakeView(1, { otherCalls: -1 }) },
    { kind: 'view', view: { ...fakeView(1), policy: undefined } },
    { kind: 'view', view: fakeView(1, {}, { policy: { decidedBy: 'admin', lines: [], canRefresh: false } as never }) },
    { kind: 'view', view: fakeView(1, {}, { policy: { decidedBy: 'user', lines: [1], canRefresh: false } as never }) },
    { kind: 'view', view: fakeView(1, {}, { policy: { decidedBy: 'user', lines: [], canRefresh: 'yes' } as never }) },
    {
      kind: 'view',
      view: fakeView(1, {}, { policy: { decidedBy: 'user', lines: [], canRefresh: false, grantedBy: { kind: 'group' } } as never }),
    },
  ])('rejects %j', (message) => {
    expect(isBackgroundToPopup(message)).toBe(false);
  });
});
