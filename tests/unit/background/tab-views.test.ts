/**
 * What each tab shows (src/background/tab-views.ts, protocol.md §7.4), with a scripted status in place of the call
 * registry: by which origin's policy a tab is judged, when the toolbar is touched, that each warning is notified
 * once and a failing toolbar or notification never keeps the popup from updating, and the expiry timer.
 */
import { describe, expect, it } from 'vitest';
import type { PolicySnapshot } from '../../../src/background/policy';
import type { PortLike } from '../../../src/background/ports';
import { createTabViews } from '../../../src/background/tab-views';
import type { StatusContext } from '../../../src/background/tab-status';
import { NO_CALL, type TabCallStatus } from '../../../src/shared/call-status';
import type { PopupView } from '../../../src/shared/messages';
import { FakeClock } from '../support/fake-clock';
import { byOrigin, modeSnapshot, popupPort, tracker, type FakePort } from './fakes';

const OFF_AT_B = 'https://b.example';

/** E2EE on everywhere but at OFF_AT_B. */
const snapshot = (): PolicySnapshot => byOrigin(modeSnapshot(true), { [OFF_AT_B]: modeSnapshot(false) });

function views(options: { origins?: Record<number, string>; toolbarFails?: boolean; notifyThrows?: boolean } = {}) {
  const clock = new FakeClock();
  const world = {
    status: { ...NO_CALL } as TabCallStatus,
    expiry: undefined as number | undefined,
    contexts: [] as StatusContext[],
    toolbar: [] as TabCallStatus[],
    notified: [] as TabCallStatus[],
    warnings: [] as string[],
    toolbarFails: options.toolbarFails ?? false,
    popups: new Map<PortLike, number | undefined>(),
  };
  const origins = options.origins ?? { 0: 'https://a.example' };
  const { track, settled } = tracker();
  const tabViews = createTabViews({
    clock,
    calls: {
      status: (_tabId, context) => {
        world.contexts.push(context);
        return { ...world.status };
      },
      nextExpiry: () => world.expiry,
    },
    settings: async () => snapshot(),
    contacts: { has: () => false, add: async () => undefined },
    profile: { load: async () => 'Me' },
    toolbar: {
      show: async (_tabId, status) => {
        if (world.toolbarFails) throw new Error('no toolbar');
        world.toolbar.push(status);
      },
    },
    notify: (_tabId, status) => {
      world.notified.push(status);
      if (options.notifyThrows) throw new Error('no notifications');
    },
    originOf: (_tabId, frameId) =>
      frameId !== undefined ? origins[frameId] : origins[Math.min(...Object.keys(origins).map(Number))],
    popups: () => world.popups.entries(),
    track,
    warn: (message) => void world.warnings.push(message),
  });
  const watch = (tabId: number | undefined): FakePort => {
    const port = popupPort();
    world.popups.set(port, tabId);
    return port;
  };
  return { tabViews, world, clock, settled, watch };
}

const viewsOf = (port: FakePort): PopupView[] => port.ofKind('view').map((m) => m.view as PopupView);

describe('tab views', () => {
  it('sends the view only to the popups watching the tab, marking the one whose Refresh it answers', async () => {
    const { tabViews, settled, watch } = views();
    const first = watch(1);
    const second = watch(1);
    const other = watch(2);
    const idle = watch(undefined);
    tabViews.refresh(1, second);
    await settled();
    expect(first.posted).toEqual([{ kind: 'view', view: expect.objectContaining({ tabId: 1, displayName: 'Me' }) }]);
    expect(second.posted).toEqual([
      { kind: 'view', view: expect.objectContaining({ tabId: 1 }), answers: 'refresh-policy' },
    ]);
    expect([other.posted, idle.posted]).toEqual([[], []]);
  });

  it('judges the tab by the top frame’s origin, or by the shown call’s frame’s when that is another', async () => {
    const { tabViews, world, settled, watch } = views({ origins: { 0: 'https://a.example', 4: OFF_AT_B } });
    const popup = watch(1);
    tabViews.refresh(1);
    await settled();
    expect(world.contexts.map((c) => c.enabled)).toEqual([true]);
    expect(viewsOf(popup).at(-1)?.enabled).toBe(true);

    world.status = { ...NO_CALL, state: 'encrypted', frameId: 4 };
    world.contexts = [];
    tabViews.refresh(1);
    await settled();
    expect(world.contexts.map((c) => c.enabled)).toEqual([true, false]);
    expect(viewsOf(popup).at(-1)?.enabled).toBe(false);
  });

  it('touches the toolbar only when what it shows changed, and retries after it failed', async () => {
    const { tabViews, world, settled, watch } = views({ toolbarFails: true });
    const popup = watch(1);
    tabViews.refresh(1);
    await settled();
    expect(world.warnings).toEqual(['toolbar update failed']);
    expect(viewsOf(popup)).toHaveLength(1); // The popup is updated all the same.

    world.toolbarFails = false;
    tabViews.refresh(1);
    tabViews.refresh(1);
    await settled();
    expect(world.toolbar.map((s) => s.state)).toEqual(['off']);
    world.status = { ...NO_CALL, state: 'encrypted', frameId: 0 };
    tabViews.refresh(1);
    await settled();
    expect(world.toolbar.map((s) => s.state)).toEqual(['off', 'encrypted']);
    expect(viewsOf(popup)).toHaveLength(4);
  });

  it('notifies each warning of a call once; a failing notification is only warned about', async () => {
    const { tabViews, world, settled, watch } = views({ notifyThrows: true });
    const popup = watch(1);
    const warned: TabCallStatus = {
      ...NO_CALL,
      state: 'identity-changed',
      frameId: 0,
      session: 's1',
      warning: 'identity-changed',
      peerIdentityPublicKey: 'k1',
    };
    world.status = warned;
    tabViews.refresh(1);
    tabViews.refresh(1);
    await settled();
    expect(world.notified).toHaveLength(1);
    expect(world.warnings).toEqual(['notification failed']);
    expect(viewsOf(popup)).toHaveLength(2);

    world.status = { ...warned, peerIdentityPublicKey: 'k2' }; // Another change: notified again.
    tabViews.refresh(1);
    await settled();
    expect(world.notified).toHaveLength(2);

    tabViews.forgetTab(1); // A closed tab's warnings are forgotten with it.
    tabViews.refresh(1);
    await settled();
    expect(world.notified).toHaveLength(3);
  });

  it('refreshes the tab when its next report expires, and not after the tab was closed', async () => {
    const { tabViews, world, clock, settled, watch } = views();
    const popup = watch(1);
    world.expiry = clock.now() + 4000;
    tabViews.refresh(1);
    await settled();
    world.expiry = undefined;
    clock.advance(3999);
    await settled();
    expect(viewsOf(popup)).toHaveLength(1);
    clock.advance(1);
    await settled();
    expect(viewsOf(popup)).toHaveLength(2);

    world.expiry = clock.now() + 4000;
    tabViews.refresh(1);
    await settled();
    tabViews.forgetTab(1);
    clock.advance(10_000);
    await settled();
    expect(viewsOf(popup)).toHaveLength(3);
  });
});
