// @vitest-environment jsdom
/**
 * The popup and the options page rendered into a real DOM (jsdom): every state of the popup passes axe-core's
 * accessibility rules (colour contrast needs layout, so it is checked in real Chromium: tests/e2e/call/contacts.test.ts
 * and tests/e2e/popup-locale.test.ts), the verify flow sends the contact name typed next to "Codes match", the code is
 * copied whole, warnings are alerts, and German renders in German.
 */
import axe from 'axe-core';
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import english from '../../../public/_locales/en/messages.json';
import german from '../../../public/_locales/de/messages.json';
import { App } from '../../../src/popup/App';
import { FakeActions, fakeView } from './fake-actions';
import { OptionsScreen } from '../../../src/options/OptionsPage';
import type { OptionsActions } from '../../../src/options/options-actions';
import { useCatalog } from '../support/fake-i18n';
import { ZERO_COUNTERS, type TabCallStatus } from '../../../src/shared/call-status';
import type { PopupView } from '../../../src/shared/messages';

const SESSION = '0123456789abcdef0123456789abcdef';
const KEY = Buffer.alloc(32, 5).toString('base64');
const CODE = '01234 56789 01234 56789';
const call = (over: Partial<TabCallStatus> = {}): Partial<TabCallStatus> => ({
  state: 'encrypted',
  frameId: 0,
  session: SESSION,
  epoch: 2,
  securityCode: CODE,
  peerIdentityPublicKey: KEY,
  peerIdentityFingerprint: 'ab12 cd34 ef56 ab12 cd34 ef56 ab12 cd34',
  suite: 4,
  codecs: ['opus', 'VP8'],
  keysChangedAt: Date.UTC(2025, 0, 1, 12),
  counters: { ...ZERO_COUNTERS, encrypted: 120, decrypted: 118 },
  ...over,
});

/** A group call of three others (§11.9): Bob a contact already verified, Carol a claim, the third unnamed. */
const people = [
  { state: 'verified' as const, securityCode: '11111 22222 33333 44444', peerIdentityPublicKey: Buffer.alloc(32, 1).toString('base64'), contact: { name: 'Bob', verifiedAt: 1 }, hearsYou: true, youHear: true },
  { state: 'encrypted' as const, securityCode: '22222 33333 44444 55555', peerIdentityPublicKey: Buffer.alloc(32, 2).toString('base64'), peerName: 'Carol', hearsYou: true, youHear: true },
  { state: 'encrypted' as const, securityCode: '33333 44444 55555 66666', peerIdentityPublicKey: Buffer.alloc(32, 3).toString('base64'), hearsYou: true, youHear: false, codePending: true },
];
const groupCall = (): Partial<TabCallStatus> => {
  const status = call({ participants: people });
  delete status.securityCode;
  delete status.peerIdentityPublicKey;
  return status;
};

/** A group call with a member, someone whose CallSeal needs an update, and two people without CallSeal (§11.9). */
const mixedGroup = (): Partial<TabCallStatus> => {
  const status = call({
    participants: [
      people[1]!,
      { state: 'needs-update', securityCode: '44444 55555 66666 77777', peerIdentityPublicKey: Buffer.alloc(32, 4).toString('base64'), peerName: 'Dan', hearsYou: false, youHear: false },
    ],
    withoutCallSeal: 2,
    detail: 'participant-without-callseal',
  });
  delete status.securityCode;
  delete status.peerIdentityPublicKey;
  return status;
};

/** Every state the popup can show, as the background would send it. */
const STATES: Array<[string, PopupView]> = [
  ['off, switch off', fakeView(1, {}, { enabled: false })],
  ['off, switch on', fakeView(1, {}, { enabled: true, displayName: 'Alice' })],
  ['negotiating', fakeView(1, { state: 'negotiating', counters: ZERO_COUNTERS }, { enabled: true })],
  ['encrypted with a claimed name', fakeView(1, call({ peerName: 'Bob' }), { enabled: true })],
  ['verified contact', fakeView(1, call({ state: 'verified', peerName: 'Bob', contact: { name: 'Bob', verifiedAt: 1 } }), { enabled: true })],
  ['identity-changed', fakeView(1, call({ state: 'identity-changed', warning: 'identity-changed' }), { enabled: true })],
  [
    "a contact's key changed",
    fakeView(1, call({ state: 'identity-changed', peerName: 'Bob', warning: 'contact-key-changed', warningName: 'Bob' }), { enabled: true }),
  ],
  ['encryption lost', fakeView(1, call({ detail: 'peer-stopped-encrypting', warning: 'encryption-lost' }), { enabled: true })],
  ['unencrypted', fakeView(1, { state: 'unencrypted', detail: 'no-key-exchange' }, { enabled: true })],
  ['blocked', fakeView(1, { state: 'blocked', detail: 'peer-protocol-1' }, {
      enabled: true,
      canToggle: false,
      policy: { decidedBy: 'organization', lines: ['Your organization requires end-to-end encrypted calls.'], canRefresh: false },
    })],
  ['error', fakeView(1, { state: 'error', detail: 'worker-blocked' }, { enabled: true })],
  ['a group call, one verified, the group code waiting', fakeView(1, groupCall(), { enabled: true })],
  ['a group call with someone needing an update and two without CallSeal', fakeView(1, mixedGroup(), { enabled: true })],
  ['a call of two, and someone without CallSeal', fakeView(1, call({ withoutCallSeal: 1, detail: 'participant-without-callseal' }), { enabled: true })],
];

let root: HTMLElement;

beforeEach(() => {
  document.documentElement.lang = 'en';
  document.title = 'CallSeal';
  root = document.createElement('div');
  document.body.append(root);
});

afterEach(() => {
  render(null, root);
  root.remove();
  useCatalog(english);
});

async function mount(view: PopupView): Promise<FakeActions> {
  const actions = new FakeActions(view.tabId, [view]);
  await act(async () => {
    render(h(App, { actions }), root);
  });
  // The first view arrives asynchronously, as over the real port.
  for (let i = 0; i < 100 && !root.querySelector('[data-testid="call-state"]'); i++) {
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
  }
  return actions;
}

async function violations(): Promise<string[]> {
  const results = await axe.run(root, { rules: { 'color-contrast': { enabled: false } } });
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

const byTestId = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe('the popup in a DOM', () => {
  // axe-core over the whole popup takes seconds on a busy machine: more than the default 5 s timeout.
  it.each(STATES)('%s: no accessibility violations', async (_name, view) => {
    await mount(view);
    expect(byTestId('call-state')?.dataset.state).toBe(view.status.state);
    expect(await violations()).toEqual([]);
  }, 30_000);

  it('shows the code in four groups, copies it whole, and says so', async () => {
    const actions = await mount(STATES[3]![1]);
    expect([...root.querySelectorAll('.code-group')].map((g) => g.textContent)).toEqual(CODE.split(' '));
    expect(byTestId('security-code')?.textContent).toBe(CODE);
    await act(async () => {
      byTestId('copy-code')?.click();
      await Promise.resolve();
    });
    expect(actions.copied).toEqual([CODE]);
    expect(byTestId('copy-code')?.textContent).toBe('Copied');
  });

  it('marks the name as a claim, and "Codes match" saves the contact under the name typed', async () => {
    const actions = await mount(STATES[3]![1]);
    expect(byTestId('peer-claim')?.textContent).toMatch(/Says they are “Bob”/);
    const field = byTestId('contact-name') as HTMLInputElement;
    expect(field.value).toBe('Bob');
    expect(root.querySelector('label[for="contact-name"]')?.textContent).toBe('Save as contact');
    field.value = 'Bob Smith';
    await act(async () => byTestId('mark-verified')?.click());
    expect(actions.sent.at(-1)).toMatchObject({ kind: 'mark-verified', contactName: 'Bob Smith', securityCode: CODE });
    expect(byTestId('call-state')?.textContent).toBe('Verified: Bob Smith');
  });

  it('warns about a contact’s changed key as an alert, naming the contact', async () => {
    await mount(STATES[6]![1]);
    const warning = byTestId('call-warning');
    expect(warning?.getAttribute('role')).toBe('alert');
    expect(warning?.textContent).toMatch(/Bob's security code has changed/);
    expect(byTestId('call-state')?.textContent).toBe("Bob's security code has changed");
    expect(byTestId('identity-warning')).not.toBeNull();
  });

  it('"Refresh" shows Refreshing… until the background answers it, not until the call\'s next update', async () => {
    const tenant = fakeView(1, call(), {
      enabled: true,
      policy: { decidedBy: 'organization', lines: ['Your organization’s policy “Standard” applies.'], canRefresh: true },
    });
    const actions = await mount(tenant);
    actions.holdRefresh = true;
    await act(async () => byTestId('policy-refresh')?.click());
    expect(actions.sent.at(-1)).toEqual({ kind: 'refresh-policy' });
    const button = () => byTestId('policy-refresh') as HTMLButtonElement;
    expect([button().disabled, button().textContent]).toEqual([true, 'Refreshing…']);
    // The call's counters move on meanwhile: a view that is not the answer.
    await act(async () => actions.push({ ...tenant, status: { ...tenant.status, counters: { ...ZERO_COUNTERS, encrypted: 200 } } }));
    expect(button().disabled).toBe(true);
    await act(async () => actions.push(tenant, true));
    expect([button().disabled, button().textContent]).toEqual([false, "Refresh organization's policy"]);
  });

  it('has the details folded away, with codec, suite, epoch and the counters', async () => {
    await mount(STATES[3]![1]);
    const details = byTestId('call-details') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(details.querySelector('[data-detail="codec"]')?.textContent).toBe('opus, VP8');
    expect(details.querySelector('[data-detail="suite"]')?.textContent).toMatch(/AES-128-GCM/);
    expect(details.querySelector('[data-detail="epoch"]')?.textContent).toBe('2');
    expect(details.querySelector('[data-counter="encrypted"]')?.textContent).toBe('120');
  });

  it('says what encryption costs while a call is encrypted', async () => {
    await mount(STATES[3]![1]);
    expect(byTestId('encryption-cost')?.textContent).toMatch(/cannot record, transcribe or caption it, or add its own bots/);
  });

  it('saves the user’s own name', async () => {
    const actions = await mount(STATES[1]![1]);
    const field = byTestId('own-name') as HTMLInputElement;
    expect(field.value).toBe('Alice');
    field.value = 'Alice A.';
    await act(async () => (root.querySelector('.own-name-form') as HTMLFormElement).requestSubmit());
    expect(actions.sent.at(-1)).toEqual({ kind: 'set-display-name', name: 'Alice A.' });
  });

  it('renders in German with the German catalog', async () => {
    useCatalog(german);
    await mount(STATES[4]![1]);
    expect(byTestId('call-state')?.textContent).toBe('Bestätigt: Bob');
    expect(byTestId('e2ee-toggle')?.textContent).toMatch(/Ende-zu-Ende-verschlüsselte Anrufe/);
    expect(await violations()).toEqual([]);
  });
});

describe('a group call in a DOM (protocol.md §7.4, §11.7, §11.9)', () => {
  const group = () => fakeView(1, groupCall(), { enabled: true });
  const items = () => [...root.querySelectorAll<HTMLElement>('[data-testid="participant"]')];
  const inItem = (item: HTMLElement, id: string) => item.querySelector<HTMLElement>(`[data-testid="${id}"]`);

  it('offers "Codes match" to each participant not verified yet, named, with its contact name field', async () => {
    await mount(group());
    const [bob, carol, third] = items() as [HTMLElement, HTMLElement, HTMLElement];
    expect(inItem(bob, 'participant-mark-verified')).toBeNull();
    expect(inItem(carol, 'participant-mark-verified')?.getAttribute('aria-label')).toBe('Codes match: says they are Carol');
    expect(inItem(third, 'participant-mark-verified')?.getAttribute('aria-label')).toBe('Codes match: Participant 3');
    expect((inItem(carol, 'participant-contact-name') as HTMLInputElement).value).toBe('Carol');
    expect((inItem(third, 'participant-contact-name') as HTMLInputElement).value).toBe('');
    const label = carol.querySelector('label');
    expect([label?.textContent, label?.getAttribute('for')]).toEqual(['Save as contact', inItem(carol, 'participant-contact-name')?.id]);
  });

  it('sends that participant’s key and code with the name typed next to it; it shows verified, the call once all are', async () => {
    const actions = await mount(group());
    const third = items()[2]!;
    (inItem(third, 'participant-contact-name') as HTMLInputElement).value = 'Dave';
    await act(async () => inItem(third, 'participant-mark-verified')?.click());
    expect(actions.sent.at(-1)).toEqual({
      kind: 'mark-participant-verified',
      tabId: 1,
      frameId: 0,
      session: SESSION,
      securityCode: people[2]!.securityCode,
      peerIdentityPublicKey: people[2]!.peerIdentityPublicKey,
      contactName: 'Dave',
    });
    expect(items().map((item) => item.dataset.state)).toEqual(['verified', 'encrypted', 'verified']);
    expect(items()[2]!.querySelector('.participant-name')?.textContent).toMatch(/^Dave — Verified$/);
    expect(byTestId('call-state')?.dataset.state).toBe('encrypted');
    await act(async () => inItem(items()[1]!, 'participant-mark-verified')?.click());
    expect(actions.sent.at(-1)).toMatchObject({ kind: 'mark-participant-verified', contactName: 'Carol' });
    expect(byTestId('call-state')?.dataset.state).toBe('verified');
    expect(root.querySelector('[data-testid="participant-mark-verified"]')).toBeNull();
  });

  it('shows the background’s refusal (participant-changed) as an alert', async () => {
    const actions = await mount(group());
    await act(async () => actions.push({ ...group(), status: { ...group().status, participants: people.slice(0, 2) } }));
    const stale = { kind: 'mark-participant-verified', tabId: 1, frameId: 0, session: SESSION, securityCode: people[2]!.securityCode, peerIdentityPublicKey: people[2]!.peerIdentityPublicKey } as const;
    const { kind: _kind, ...shown } = stale;
    await act(async () => actions.markParticipantVerified(shown));
    expect(byTestId('failure')?.dataset.code).toBe('participant-changed');
    expect(byTestId('failure')?.getAttribute('role')).toBe('alert');
  });

  it('lists someone whose CallSeal needs an update without "Codes match", and each person without CallSeal', async () => {
    await mount(fakeView(1, mixedGroup(), { enabled: true }));
    const [carol, dan] = items() as [HTMLElement, HTMLElement];
    expect(inItem(carol, 'participant-mark-verified')).not.toBeNull();
    expect(dan.dataset.state).toBe('needs-update');
    expect(dan.querySelector('.participant-name')?.textContent).toBe('says they are Dan — Needs a CallSeal update');
    expect(dan.querySelector('.participant-directions')?.textContent).toMatch(/cannot decrypt what you send.*needs an update/);
    expect(inItem(dan, 'participant-code')?.textContent).toBe('44444 55555 66666 77777');
    expect(inItem(dan, 'participant-mark-verified')).toBeNull();
    const without = [...root.querySelectorAll<HTMLElement>('[data-testid="participant-without-callseal"]')];
    expect(without.map((li) => [li.dataset.state, li.querySelector('.participant-name')?.textContent])).toEqual([
      ['not-encrypted', 'Someone without CallSeal (1) — Not encrypted'],
      ['not-encrypted', 'Someone without CallSeal (2) — Not encrypted'],
    ]);
    // Inside the group's list, not a list of its own; and the headline is amber, not green.
    expect(byTestId('participants-without')).toBeNull();
    expect(byTestId('call-state')?.textContent).toMatch(/someone's CallSeal needs an update/);
  });

  it('in a call of two, lists the person without CallSeal on its own', async () => {
    await mount(fakeView(1, call({ withoutCallSeal: 1, detail: 'participant-without-callseal' }), { enabled: true }));
    expect(byTestId('participants')).toBeNull();
    const section = byTestId('participants-without');
    expect(section?.querySelector('h2')?.textContent).toBe('Others in this call');
    expect([...(section?.querySelectorAll('li') ?? [])].map((li) => li.querySelector('.participant-name')?.textContent)).toEqual([
      'Someone without CallSeal — Not encrypted',
    ]);
  });

  it('while the group code is not ready, names whose part it waits for as the list names them', async () => {
    await mount(group());
    expect(byTestId('group-code-pending')?.textContent).toBe(
      'Group code: not ready — waiting for the part of Participant 3. Compare the per-person codes meanwhile.',
    );
  });
});

describe('the options page in a DOM', () => {
  const sent: unknown[] = [];
  const actions: OptionsActions = { watch: () => () => undefined, send: (message) => void sent.push(message) };
  const view = {
    contacts: [
      { identityPublicKey: KEY, fingerprint: 'ab12 cd34', name: 'Bob', verifiedAt: Date.UTC(2025, 0, 1) },
      { identityPublicKey: Buffer.alloc(32, 6).toString('base64'), fingerprint: 'ef56 ab12', name: '', verifiedAt: 0 },
    ],
    identity: { fingerprint: '1111 2222 3333 4444 5555 6666 7777 8888', createdAt: Date.UTC(2024, 5, 1) },
    displayName: 'Alice',
  };

  it('lists contacts, renames, forgets after a confirmation, and warns before resetting the identity', async () => {
    await act(async () => render(h(OptionsScreen, { view, actions }), root));
    expect(await violations()).toEqual([]);
    expect([...root.querySelectorAll('[data-testid="contact-name"]')].map((n) => n.textContent)).toEqual(['Bob', 'Unnamed contact']);
    expect(byTestId('own-fingerprint')?.textContent).toBe(view.identity.fingerprint);

    await act(async () => byTestId('rename')?.click());
    (byTestId('rename-input') as HTMLInputElement).value = 'Robert';
    await act(async () => (byTestId('rename-save') as HTMLButtonElement).click());
    expect(sent.at(-1)).toEqual({ kind: 'rename-contact', identityPublicKey: KEY, name: 'Robert' });

    const second = root.querySelectorAll<HTMLElement>('[data-testid="contact"]')[1]!;
    await act(async () => second.querySelector<HTMLElement>('[data-testid="forget"]')?.click());
    expect(await violations()).toEqual([]);
    await act(async () => byTestId('forget-confirm')?.click());
    expect(sent.at(-1)).toEqual({ kind: 'forget-contact', identityPublicKey: view.contacts[1]!.identityPublicKey });

    await act(async () => byTestId('reset-identity')?.click());
    expect(byTestId('reset-warning')?.textContent).toMatch(/Everyone who verified you will see “your security code has changed”/);
    expect(await violations()).toEqual([]);
    await act(async () => byTestId('reset-confirm')?.click());
    expect(sent.at(-1)).toEqual({ kind: 'reset-identity' });
  });
});
