/**
 * The background's router, driven through fake ports, a fake clock and in-memory storage (router-helpers.ts): when it
 * makes an identity, and the settings it pushes to the bridges (protocol.md §7).
 */
import { describe, expect, it } from 'vitest';
import { bridgePort, harness } from './fakes';
import { report } from './report-fixtures';
import { input, start } from './router-helpers';

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
