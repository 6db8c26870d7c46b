/**
 * The popup's channel (src/background/popup-channel.ts, protocol.md §7.4) on its own, with the call registry, the
 * settings source, the contacts and the tab views faked: which pages may connect, what each request does and
 * answers, that requests are handled in order, and that one failing request does not stop the port.
 */
import { describe, expect, it } from 'vitest';
import type { PolicySnapshot } from '../../../src/background/policy';
import type { PortLike } from '../../../src/background/ports';
import { createPopupChannel } from '../../../src/background/popup-channel';
import { POPUP_PORT, type ShownCall } from '../../../src/shared/messages';
import { failureMessage, nameProblemMessage } from '../../../src/shared/status-text';
import {
  byOrigin,
  hold,
  EXTENSION_ID,
  EXTENSION_URL,
  failOnce,
  FakePort,
  modeSnapshot,
  popupPort,
  tracker,
  type Hold,
} from './fakes';
import { encrypted, KEY_1, shownFrom } from './report-fixtures';

const CALL_ORIGIN = 'https://call.example';

function popups() {
  const { track, settled } = tracker();
  const world = {
    settings: modeSnapshot(true) as PolicySnapshot,
    /** How many of the next calls of each dependency reject. */
    failures: { settings: 0, saveEnabled: 0, refreshPolicy: 0, contacts: 0 },
    /** While set, "Refresh" waits for it (the policy server takes its time). */
    policyFetch: undefined as Hold | undefined,
    /** Whether what the popup showed is still the frame's current call. */
    current: true,
    /** What each dependency was asked, in order. */
    asked: [] as string[],
    confirmed: [] as ShownCall[],
    withdrawn: [] as ShownCall[],
    withdrawnParticipants: [] as string[],
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
      confirmParticipant: (shown) =>
        world.current ? { state: 'encrypted', securityCode: shown.securityCode, peerIdentityPublicKey: shown.peerIdentityPublicKey, hearsYou: true, youHear: true } : undefined,
      withdraw: (shown) => {
        world.withdrawn.push(shown);
      },
      withdrawParticipant: (shown) => {
        world.withdrawnParticipants.push(shown.peerIdentityPublicKey);
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
      failOnce(world.failures, 'refreshPolicy');
      world.asked.push('fetch policy');
      await world.policyFetch?.pass();
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

describe('who may connect', () => {
  it.each([
    ['a web page', { id: EXTENSION_ID, url: 'https://call.example/' }],
    ['another extension’s page', { id: 'x'.repeat(32), url: 'chrome-extension://' + 'x'.repeat(32) + '/popup.html' }],
    ['our id with another extension’s URL', { id: EXTENSION_ID, url: 'chrome-extension://' + 'x'.repeat(32) + '/' }],
    ['no URL', { id: EXTENSION_ID }],
  ])('refuses a popup port from %s, and hears nothing it sends', async (_name, sender) => {
    const { channel, world, settled, open } = popups();
    const popup = open(new FakePort(POPUP_PORT, sender));
    expect(popup.disconnected).toBe(true);
    popup.send({ kind: 'watch', tabId: 1 });
    popup.send({ kind: 'set-enabled', enabled: false });
    await settled();
    expect(world.asked).toEqual([]);
    expect([...channel.popups()]).toEqual([]);
  });
});

describe('watching a tab', () => {
  it('sends the tab’s view (through the tab views) and lists the popup until it closes', async () => {
    const { channel, world, settled, open } = popups();
    const popup = open();
    const other = open(popupPort(`${EXTENSION_URL}src/popup/index.html?tabId=1`));
    expect([...channel.popups()]).toEqual([
      [popup, undefined],
      [other, undefined],
    ]);
    popup.send({ kind: 'watch', tabId: 1 });
    other.send({ kind: 'watch', tabId: 1 });
    await settled();
    expect(world.refreshed).toEqual([
      [1, undefined],
      [1, undefined],
    ]);
    expect(channel.watchedTabs()).toEqual([1, 1]);
    popup.send({ kind: 'watch', tabId: 2 });
    await settled();
    expect(channel.watchedTabs()).toEqual([2, 1]);
    popup.drop();
    expect([...channel.popups()]).toEqual([[other, 1]]);
    expect(channel.watchedTabs()).toEqual([1]);
  });
});

describe('"Refresh"', () => {
  it('fetches the policy, then answers with the watched tab’s view marked as the answer, to this popup', async () => {
    const { world, settled, open } = popups();
    const popup = open();
    popup.send({ kind: 'watch', tabId: 1 });
    popup.send({ kind: 'refresh-policy' });
    await settled();
    expect(world.asked).toEqual(['refresh 1', 'fetch policy', 'refresh 1 answering']);
    expect(world.refreshed.at(-1)).toEqual([1, popup]);
  });

  it('whose fetch fails is still answered, so the popup’s button does not stay on “Refreshing…”', async () => {
    const { world, settled, open } = popups();
    const popup = open();
    popup.send({ kind: 'watch', tabId: 1 });
    world.failures.refreshPolicy = 1;
    popup.send({ kind: 'refresh-policy' });
    await settled();
    expect(world.asked).toEqual(['refresh 1', 'refresh 1 answering']);
    expect(world.refreshed.at(-1)).toEqual([1, popup]);
    expect(world.warnings).toEqual(['popup request failed']);
  });

  it('of a popup that watches no tab yet: fetched, and nothing to answer with', async () => {
    const { world, settled, open } = popups();
    open().send({ kind: 'refresh-policy' });
    await settled();
    expect(world.asked).toEqual(['fetch policy']);
  });

  it('holds the popup’s later requests until it is done: one after the other, in order', async () => {
    const { world, settled, open } = popups();
    const fetch = hold();
    world.policyFetch = fetch;
    const popup = open();
    popup.send({ kind: 'watch', tabId: 1 });
    popup.send({ kind: 'refresh-policy' });
    popup.send({ kind: 'set-display-name', name: 'Alice' });
    popup.send({ kind: 'set-enabled', enabled: false });
    await fetch.reached;
    expect(world.asked).toEqual(['refresh 1', 'fetch policy']);
    fetch.release();
    await settled();
    expect(world.asked).toEqual(['refresh 1', 'fetch policy', 'refresh 1 answering', 'name Alice', 'save false']);
  });
});

describe('the switch', () => {
  it('is saved where the policy of the watched tab’s call site lets the user, and refused (policy) elsewhere', async () => {
    const { world, settled, open } = popups();
    // The admin fixed E2EE on at the call site only; a tab with no frame that spoke is judged by the rest.
    world.settings = byOrigin(modeSnapshot(true), { [CALL_ORIGIN]: modeSnapshot(true, 'required') });
    const atCall = open();
    atCall.send({ kind: 'watch', tabId: 1 });
    atCall.send({ kind: 'set-enabled', enabled: false });
    const elsewhere = open();
    elsewhere.send({ kind: 'watch', tabId: 2 });
    elsewhere.send({ kind: 'set-enabled', enabled: false });
    await settled();
    expect(atCall.posted).toEqual([{ kind: 'failed', code: 'policy', message: failureMessage('policy') }]);
    expect(elsewhere.posted).toEqual([]);
    expect(world.asked.filter((a) => a.startsWith('save'))).toEqual(['save false']);
  });
});

describe('"Codes match"', () => {
  const shown = shownFrom(1, 0, encrypted());

  it('is confirmed with the registry and stores the contact, under the typed name, normalized', async () => {
    const { world, settled, open } = popups();
    const popup = open();
    popup.send({ kind: 'mark-verified', ...shown, contactName: '  Bob Smith ' });
    await settled();
    expect(world.confirmed).toEqual([shown]);
    expect(world.contacts).toEqual([[KEY_1, 'Bob Smith', 'Bob']]);
    expect(world.refreshed).toEqual([[1, undefined]]);
    expect(popup.posted).toEqual([]);
  });

  it('is refused with call-changed when the call moved on, and the contact is not stored', async () => {
    const { world, settled, open } = popups();
    world.current = false;
    const popup = open();
    popup.send({ kind: 'mark-verified', ...shown });
    await settled();
    expect(popup.posted).toEqual([{ kind: 'failed', code: 'call-changed', message: failureMessage('call-changed') }]);
    expect(world.contacts).toEqual([]);
    expect(world.refreshed).toEqual([[1, undefined]]);
  });

  it.each([
    ['E2EE is off at the frame’s origin', byOrigin(modeSnapshot(true), { [CALL_ORIGIN]: modeSnapshot(false) }), shown],
    ['no frame of the tab is connected', modeSnapshot(true), { ...shown, tabId: 2 }],
  ])('is refused with call-changed, without asking the registry, when %s', async (_n, settings, what) => {
    const { world, settled, open } = popups();
    world.settings = settings;
    const popup = open();
    popup.send({ kind: 'mark-verified', ...what });
    await settled();
    expect(popup.ofKind('failed').map((m) => m.code)).toEqual(['call-changed']);
    expect(world.confirmed).toEqual([]);
    expect(world.contacts).toEqual([]);
  });

  it('is refused with name-invalid, and the rule it breaks, for a contact name that breaks §4.5: the call stays unconfirmed', async () => {
    const { world, settled, open } = popups();
    const popup = open();
    popup.send({ kind: 'mark-verified', ...shown, contactName: 'Bob\u202e' });
    await settled();
    expect(popup.posted).toEqual([
      { kind: 'failed', code: 'name-invalid', message: nameProblemMessage('refused-character') },
    ]);
    expect(world.contacts).toEqual([]);
    // The popup said it failed: the call must not show as verified meanwhile (the user corrects the name and retries).
    expect(world.confirmed).toEqual([]);
  });

  it('answers verify-failed, warns, and withdraws the confirmation, when the contact cannot be stored', async () => {
    const { world, settled, open } = popups();
    world.failures.contacts = 1;
    const popup = open();
    popup.send({ kind: 'mark-verified', ...shown });
    popup.send({ kind: 'mark-verified', ...shown });
    await settled();
    expect(popup.ofKind('failed').map((m) => m.code)).toEqual(['verify-failed']);
    expect(world.warnings).toEqual(['could not store a verified peer']);
    expect(world.contacts).toEqual([[KEY_1, '', 'Bob']]);
    // The popup says the codes were not remembered: the call must not go on showing them as compared.
    expect(world.withdrawn).toEqual([shown]);
    expect(world.confirmed).toEqual([shown, shown]);
  });

  it("for a group's participant too: the comparison is withdrawn when its contact cannot be stored", async () => {
    const { world, settled, open } = popups();
    world.failures.contacts = 1;
    const popup = open();
    const { epoch: _epoch, ...participant } = shown;
    popup.send({ kind: 'mark-participant-verified', ...participant });
    await settled();
    expect(popup.ofKind('failed').map((m) => m.code)).toEqual(['verify-failed']);
    expect(world.withdrawnParticipants).toEqual([KEY_1]);
  });
});

it('drops requests that are not what a popup sends', async () => {
  const { world, settled, open } = popups();
  const popup = open();
  popup.send({ kind: 'watch', tabId: '1' });
  popup.send({ kind: 'mark-verified', tabId: 1 });
  popup.send({ kind: 'set-enabled', enabled: 'no' });
  popup.send({ kind: 'set-display-name', name: 'x'.repeat(10_000) });
  popup.send({ kind: 'sign', requestId: 1, input: '' });
  await settled();
  expect(world.asked).toEqual([]);
  expect(popup.posted).toEqual([]);
});
