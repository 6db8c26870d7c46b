/**
 * The popup's channel (src/background/popup-channel.ts, protocol.md §7.4) on its own, with the call registry, the
 * settings source, the contacts and the tab views faked: which pages may connect, what each request does and
 * answers, that requests are handled in order, and that one failing request does not stop the port.
 */
import { describe, expect, it } from 'vitest';
import type { PolicySnapshot } from '../../../src/background/policy';
import type { PortLike } from '../../../src/background/ports';
import { createPopupChannel } from '../../../src/background/popup-channel';
import type { ShownCall } from '../../../src/shared/messages';
import { EXTENSION_ID, EXTENSION_URL, failOnce, modeSnapshot, popupPort, tracker, type FakePort } from './fakes';

const CALL_ORIGIN = 'https://call.example';

function popups() {
  const { track, settled } = tracker();
  const world = {
    settings: modeSnapshot(true) as PolicySnapshot,
    /** How many of the next calls of each dependency reject. */
    failures: { settings: 0, saveEnabled: 0, refreshPolicy: 0, contacts: 0 },
    /** While set, "Refresh" waits for it (the policy server takes its time). */
    policyArrives: undefined as Promise<void> | undefined,
    /** Whether what the popup showed is still the frame's current call. */
    current: true,
    /** What each dependency was asked, in order. */
    asked: [] as string[],
    confirmed: [] as ShownCall[],
    contacts: [] as Array<[string, string | undefined, string | undefined]>,
    refreshed: [] as Array<[number, PortLike | undefined]>,
    warnings: [] as string[],
  };
  const channel = createPopupChannel({
    extensionId: EXTENSION_ID,
    extensionUrl: EXTENSION_URL,
    calls: {
      claimedName: () => 'Bob',
      confirm: (shown) => {
        world.confirmed.push(shown);
        return world.current;
      },
    },
    settings: async () => {
      failOnce(world.failures, 'settings');
      return world.settings;
    },
    saveEnabled: async (enabled) => {
      failOnce(world.failures, 'saveEnabled');
      world.asked.push(`save ${enabled}`);
    },
    refreshPolicy: async () => {
      await world.policyArrives;
      failOnce(world.failures, 'refreshPolicy');
      world.asked.push('refresh policy');
    },
    contacts: {
      add: async (key, name, claimed) => {
        failOnce(world.failures, 'contacts');
        world.contacts.push([key, name, claimed]);
      },
    },
    originOf: (tabId) => (tabId === 1 ? CALL_ORIGIN : undefined),
    refresh: (tabId, answering) => {
      world.asked.push(`refresh ${tabId}${answering ? ' answering' : ''}`);
      world.refreshed.push([tabId, answering]);
    },
    setDisplayName: async (_port, name) => {
      world.asked.push(`name ${name}`);
      return true;
    },
    track,
    warn: (message) => void world.warnings.push(message),
  });
  const open = (port: FakePort = popupPort()): FakePort => {
    channel.connect(port);
    return port;
  };
  return { channel, world, settled, open };
}

describe('a request whose handling fails', () => {
  it.each([
    ['saving the switch', 'saveEnabled', { kind: 'set-enabled', enabled: false }],
    ['reading the policy', 'settings', { kind: 'set-enabled', enabled: false }],
    ['fetching the policy', 'refreshPolicy', { kind: 'refresh-policy' }],
  ] as const)('(%s) is warned about, and the requests after it are still handled, in order', async (_n, dep, first) => {
    const { world, settled, open } = popups();
    const popup = open();
    world.failures[dep] = 1;
    popup.send(first);
    popup.send({ kind: 'watch', tabId: 1 });
    popup.send({ kind: 'set-display-name', name: 'Alice' });
    popup.send({ kind: 'set-enabled', enabled: true });
    await settled();
    expect(world.asked).toEqual(['refresh 1', 'name Alice', 'save true']);
    expect(world.warnings).toEqual(['popup request failed']);
  });
});
