import { describe, expect, it } from 'vitest';
import { FakeActions, fakeView } from './fake-actions';
import type { PopupView } from '../../../src/shared/messages';

const CODE = '01234 56789 01234 56789';

function record(actions: FakeActions, tabId: number) {
  const views: PopupView[] = [];
  const failures: string[] = [];
  const stop = actions.watch(
    tabId,
    (view) => views.push(view),
    (code) => failures.push(code),
  );
  return { views, failures, stop };
}

describe('FakeActions', () => {
  it('answers currentTabId, or rejects with the given error', async () => {
    await expect(new FakeActions(3).currentTabId()).resolves.toBe(3);
    await expect(new FakeActions(new Error('no tab')).currentTabId()).rejects.toThrow('no tab');
  });

  it('delivers the first view asynchronously, then every push', async () => {
    const actions = new FakeActions(3);
    const { views } = record(actions, 3);
    expect(views).toEqual([]);
    await Promise.resolve();
    expect(views.map((v) => v.status.state)).toEqual(['off']);
    actions.push(fakeView(3, { state: 'negotiating' }));
    actions.push(fakeView(4, { state: 'encrypted' }));
    expect(views.map((v) => v.status.state)).toEqual(['off', 'negotiating']);
    expect(actions.sent).toEqual([{ kind: 'watch', tabId: 3 }]);
  });

  it('turns the switch and says so in the next view', async () => {
    const actions = new FakeActions(3);
    const { views } = record(actions, 3);
    actions.setEnabled(true);
    expect(views.at(-1)?.enabled).toBe(true);
    actions.setEnabled(false);
    expect(views.at(-1)?.enabled).toBe(false);
    expect(actions.sent.slice(1)).toEqual([
      { kind: 'set-enabled', enabled: true },
      { kind: 'set-enabled', enabled: false },
    ]);
  });

  it('refuses the switch under a policy', () => {
    const actions = new FakeActions(3, [fakeView(3, {}, { canToggle: false, enabled: true, policy: { decidedBy: 'organization', lines: ['Managed.'], canRefresh: false } })]);
    const { views, failures } = record(actions, 3);
    actions.setEnabled(false);
    expect(failures).toEqual(['policy']);
    expect(views).toEqual([]);
    expect(actions.view(3)?.enabled).toBe(true);
  });

  it('marks the call shown verified, and answers call-changed for anything else', () => {
    const shown = {
      tabId: 3,
      frameId: 0,
      session: '0123456789abcdef0123456789abcdef',
      epoch: 1,
      securityCode: CODE,
      peerIdentityPublicKey: Buffer.alloc(32, 1).toString('base64'),
    };
    const { tabId: _t, ...status } = shown;
    const actions = new FakeActions(3, [
      fakeView(3, { state: 'encrypted', ...status }),
      fakeView(4, { state: 'unencrypted' }),
    ]);
    const three = record(actions, 3);
    const four = record(actions, 4);
    actions.markVerified({ ...shown, epoch: 2 });
    expect(three.failures).toEqual(['call-changed']);
    actions.markVerified(shown);
    expect(three.views.at(-1)?.status).toMatchObject({ state: 'verified', securityCode: CODE });
    actions.markVerified({ ...shown, tabId: 4 });
    expect(four.failures).toContain('call-changed');
    expect(actions.view(4)?.status.state).toBe('unencrypted');
    expect(actions.sent.at(-1)).toEqual({ kind: 'mark-verified', ...shown, tabId: 4 });
  });

  it('stops delivering after stop()', async () => {
    const actions = new FakeActions(3);
    const { views, stop } = record(actions, 3);
    stop();
    await Promise.resolve();
    actions.push(fakeView(3, { state: 'encrypted' }));
    expect(views).toEqual([]);
    expect(actions.watcherCount).toBe(0);
  });
});
