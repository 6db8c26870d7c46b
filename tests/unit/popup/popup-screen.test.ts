/**
 * The popup's screen for the new states, rendered from views that FakeActions delivers: the loud identity change,
 * the fixed sentences for detail codes, other frames' calls, and "Codes match" sending exactly what is shown (and
 * the background's `call-changed` answer shown plainly).
 */
import { h } from 'preact';
import { describe, expect, it } from 'vitest';
import { FakeActions, fakeView } from './fake-actions';
import { PopupScreen, type Failure, type Pending } from '../../../src/popup/PopupScreen';
import { DETAIL_CODES, ZERO_COUNTERS, type TabCallStatus } from '../../../src/shared/call-status';
import type { PopupView } from '../../../src/shared/messages';
import { byTestId, click, findAll, renderTree, textOf } from './render-tree';

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
  peerIdentityFingerprint: 'ab12 cd34',
  counters: ZERO_COUNTERS,
  ...over,
});

/** What App does with the actions, around the hook-free screen. */
async function mount(views: PopupView[], tabId = 1) {
  const actions = new FakeActions(tabId, views);
  const state: { view?: PopupView; failure?: Failure; pending?: Pending } = {};
  actions.watch(
    tabId,
    (view) => {
      state.view = view;
      delete state.pending;
    },
    (code, message) => {
      state.failure = { code, message };
      delete state.pending;
    },
  );
  await Promise.resolve();
  const render = () =>
    renderTree(
      h(PopupScreen, {
        view: state.view,
        failure: state.failure,
        pending: state.pending,
        onToggle: (next: boolean) => actions.setEnabled(next),
        onRefreshPolicy: () => {
          state.pending = 'refresh';
          actions.refreshPolicy();
        },
        onVerify: (shown) => {
          state.pending = 'verify';
          actions.markVerified(shown);
        },
        onDismiss: () => delete state.failure,
      }),
    );
  return { actions, state, render };
}

describe('identity-changed', () => {
  it('warns loudly, in red, shows the new code and offers "Codes match"', async () => {
    const { render } = await mount([fakeView(1, call({ state: 'identity-changed' }), { enabled: true })]);
    const tree = render();
    const state = byTestId(tree, 'call-state');
    expect(state?.props['data-state']).toBe('identity-changed');
    expect(textOf(state!)).toMatch(/identity.*changed/i);
    expect(textOf(tree)).toMatch(/compare the new (security )?code/i);
    expect(textOf(byTestId(tree, 'security-code')!)).toBe(CODE);
    expect(byTestId(tree, 'mark-verified')?.props.disabled).toBe(false);
    const [section] = findAll(tree, (e) => /^call tone-/.test(String(e.props.class)));
    expect(section?.props.class).toBe('call tone-bad');
    expect(textOf(byTestId(tree, 'identity-warning')!)).toMatch(/Codes match/);
  });

  it('"Codes match" sends exactly the frame, session, epoch, code and key shown; then verified', async () => {
    const { actions, render } = await mount([fakeView(1, call({ state: 'identity-changed' }), { enabled: true })]);
    click(byTestId(render(), 'mark-verified'));
    expect(actions.sent.at(-1)).toEqual({
      kind: 'mark-verified',
      tabId: 1,
      frameId: 0,
      session: SESSION,
      epoch: 2,
      securityCode: CODE,
      peerIdentityPublicKey: KEY,
    });
    const after = render();
    expect(byTestId(after, 'call-state')?.props['data-state']).toBe('verified');
    expect(byTestId(after, 'verified-note')).toBeDefined();
    expect(byTestId(after, 'mark-verified')).toBeUndefined();
  });
});

describe('"Codes match"', () => {
  it('sends what an encrypted call shows, for its frame', async () => {
    const { actions, render } = await mount([fakeView(4, call({ frameId: 9, epoch: 7 }), { enabled: true })], 4);
    click(byTestId(render(), 'mark-verified'));
    expect(actions.sent.at(-1)).toMatchObject({ kind: 'mark-verified', tabId: 4, frameId: 9, epoch: 7 });
  });

  it('shows the background’s call-changed answer plainly when the call moved on before the click', async () => {
    const { actions, render } = await mount([fakeView(1, call(), { enabled: true })]);
    const seen = render();
    actions.push(fakeView(1, call({ epoch: 3, securityCode: '99999 99999 99999 99999' }), { enabled: true }));
    click(byTestId(seen, 'mark-verified'));
    const after = render();
    expect(byTestId(after, 'failure')?.props['data-code']).toBe('call-changed');
    expect(textOf(byTestId(after, 'failure')!)).toMatch(/changed/i);
    expect(byTestId(after, 'call-state')?.props['data-state']).toBe('encrypted');
    expect(textOf(byTestId(after, 'security-code')!)).toBe('99999 99999 99999 99999');
  });

  it.each(['frameId', 'session', 'peerIdentityPublicKey'] as const)('is not offered without the %s to send back', async (field) => {
    const status = call();
    delete status[field];
    const { render } = await mount([fakeView(1, status, { enabled: true })]);
    expect(byTestId(render(), 'mark-verified')?.props.disabled).toBe(true);
  });

  it.each(['negotiating', 'unencrypted', 'blocked', 'error'] as const)('is not offered for %s', async (state) => {
    const { render } = await mount([fakeView(1, call({ state }), { enabled: true })]);
    const button = byTestId(render(), 'mark-verified');
    expect(button === undefined || button.props.disabled === true).toBe(true);
  });
});

describe('details', () => {
  it('says what no key exchange means, without blaming the other side', async () => {
    const { render } = await mount([
      fakeView(1, { state: 'unencrypted', epoch: 0, detail: 'no-key-exchange' }, { enabled: true }),
    ]);
    const tree = render();
    expect(textOf(byTestId(tree, 'call-detail')!)).toBe(
      'No key exchange received — the other side may not have CallSeal, or something on the network is blocking it.',
    );
    expect(textOf(byTestId(tree, 'call-state')!)).not.toMatch(/does not have CallSeal/);
  });

  it('names the codec CallSeal cannot encrypt', async () => {
    const { render } = await mount([
      fakeView(1, { state: 'blocked', epoch: 0, detail: 'unsupported-codec', codec: 'H264' }, { enabled: true }),
    ]);
    expect(textOf(byTestId(render(), 'call-detail')!)).toContain('H264');
  });

  it.each(DETAIL_CODES)('turns %s into a sentence of the extension’s own', async (detail) => {
    const { render } = await mount([fakeView(1, { state: 'error', epoch: 0, detail }, { enabled: true })]);
    const text = textOf(byTestId(render(), 'call-detail')!);
    expect(text.length).toBeGreaterThan(20);
    expect(text).not.toContain(detail);
  });

  it('says when another frame of the page runs a call too', async () => {
    const { render } = await mount([fakeView(1, call({ otherCalls: 1 }), { enabled: true })]);
    expect(textOf(byTestId(render(), 'other-calls')!)).toMatch(/^Another frame on this page also runs a call/);
    const { render: none } = await mount([fakeView(1, call(), { enabled: true })]);
    expect(byTestId(none(), 'other-calls')).toBeUndefined();
  });
});

describe('the organization’s policy', () => {
  const finance = {
    decidedBy: 'organization' as const,
    policyName: 'Finance',
    grantedBy: { kind: 'group' as const, group: 'finance' },
    lines: [
      'Your organization’s policy “Finance” (assigned to your group finance) requires end-to-end encrypted calls.',
      "Could not refresh your organization's policy since 2026-11-30 14:05 UTC (the server could not be reached).",
    ],
    canRefresh: true,
    failingSince: 1,
  };

  it('shows every sentence, locks the switch and points it at them, and offers Refresh', async () => {
    const { render } = await mount([fakeView(1, {}, { enabled: true, canToggle: false, policy: finance })]);
    const tree = render();
    const note = byTestId(tree, 'policy-note')!;
    expect(findAll([note], (e) => e.tag === 'p').map((p) => textOf(p))).toEqual(finance.lines);
    expect(note.props['data-policy']).toBe('Finance');
    const toggle = byTestId(tree, 'e2ee-toggle')!;
    expect(toggle.props.disabled).toBe(true);
    expect(toggle.props['aria-describedby']).toBe('policy-note');
    expect(byTestId(tree, 'policy-refresh')?.props.disabled).toBe(false);
    expect(findAll(tree, (e) => String(e.props.class).includes('policy-failing'))).toHaveLength(1);
  });

  it('Refresh asks the background, waits for its view, then offers it again', async () => {
    const { actions, state, render } = await mount([fakeView(1, {}, { policy: finance })]);
    click(byTestId(render(), 'policy-refresh'));
    expect(actions.sent.at(-1)).toEqual({ kind: 'refresh-policy' });
    // FakeActions answers at once; a real background answers later, meanwhile the button says so.
    state.pending = 'refresh';
    expect(byTestId(render(), 'policy-refresh')?.props.disabled).toBe(true);
    expect(textOf(byTestId(render(), 'policy-refresh')!)).toBe('Refreshing…');
  });

  it('shows nothing and offers no Refresh when no policy applies', async () => {
    const { render } = await mount([fakeView(1)]);
    const tree = render();
    expect(byTestId(tree, 'policy-note')).toBeUndefined();
    expect(byTestId(tree, 'policy-refresh')).toBeUndefined();
    expect(byTestId(tree, 'e2ee-toggle')?.props['aria-describedby']).toBeUndefined();
  });

  it('while CallSeal waits for the policy, says so', async () => {
    const waiting = { decidedBy: 'organization' as const, lines: ['Waiting for your organization’s policy.'], canRefresh: false, waiting: true };
    const { render } = await mount([fakeView(1, {}, { canToggle: false, policy: waiting })]);
    expect(textOf(byTestId(render(), 'policy-note')!)).toBe('Waiting for your organization’s policy.');
    expect(byTestId(render(), 'policy-refresh')).toBeUndefined();
  });
});

describe('a group call (protocol.md §11.7, §11.9)', () => {
  const people = [1, 2, 3].map((i) => ({
    state: 'encrypted' as const,
    securityCode: `1111${i} 22222 33333 44444`,
    peerIdentityPublicKey: Buffer.alloc(32, i).toString('base64'),
    hearsYou: true,
    youHear: true,
  }));
  const group = (over: Partial<TabCallStatus> = {}): Partial<TabCallStatus> => {
    const status = call({ participants: people, ...over });
    delete status.securityCode;
    delete status.peerIdentityPublicKey;
    return status;
  };

  it('while the call is negotiating, lists everyone and who hears whom, with no "Codes match" until it is encrypted', async () => {
    const waiting = { ...people[2]!, state: 'connecting' as const, hearsYou: false, youHear: false };
    const { render } = await mount([fakeView(1, group({ state: 'negotiating', participants: [people[0]!, people[1]!, waiting] }), { enabled: true })]);
    const tree = render();
    expect(findAll(tree, (e) => e.props['data-testid'] === 'participant').map((e) => e.props['data-state'])).toEqual(['encrypted', 'encrypted', 'connecting']);
    expect(findAll(tree, (e) => e.props['data-testid'] === 'participant-mark-verified')).toHaveLength(0);
  });

  it('shows the group code everyone reads aloud, above the per-person codes it keeps', async () => {
    const { render } = await mount([fakeView(1, group({ groupCode: '98765 43210 98765 43210' }), { enabled: true })]);
    const tree = render();
    expect(textOf(byTestId(tree, 'group-code')!)).toBe('98765 43210 98765 43210');
    expect(textOf(byTestId(tree, 'group-code-section')!)).toMatch(/^Group code \(everyone in the call\).*Read it aloud/);
    expect(byTestId(tree, 'group-code-pending')).toBeUndefined();
    expect(findAll(tree, (e) => e.props['data-testid'] === 'participant-code').map((e) => textOf(e))).toEqual(people.map((p) => p.securityCode));
  });

  it("a participant who claims a contact's name with another key: its state, and the call's warning, say so plainly", async () => {
    const posing = { ...people[2]!, state: 'identity-changed' as const, peerName: 'Bob' };
    const status = group({ participants: [people[0]!, people[1]!, posing], state: 'identity-changed', warning: 'contact-key-changed', warningName: 'Bob' });
    const { render } = await mount([fakeView(1, status, { enabled: true })]);
    const tree = render();
    expect(byTestId(tree, 'call-state')?.props['data-state']).toBe('identity-changed');
    expect(textOf(tree)).toMatch(/Someone in this call says they are Bob, but their identity key is not the one you verified for Bob/);
    const rows = findAll(tree, (e) => e.props['data-testid'] === 'participant');
    expect(rows.map((row) => row.props['data-state'])).toEqual(['encrypted', 'encrypted', 'identity-changed']);
    expect(textOf(rows[2]!)).toMatch(/says they are Bob — Not the contact they claim to be — compare their code/);
    const [section] = findAll(tree, (e) => /^call tone-/.test(String(e.props.class)));
    expect(section?.props.class).toBe('call tone-bad');
  });

  it('while the round is not complete, shows no group code and says plainly that it is not ready', async () => {
    const { render } = await mount([fakeView(1, group(), { enabled: true })]);
    const tree = render();
    expect(byTestId(tree, 'group-code')).toBeUndefined();
    expect(textOf(byTestId(tree, 'group-code-pending')!)).toMatch(/^Group code: not ready/);
    expect(findAll(tree, (e) => e.props['data-testid'] === 'participant-code')).toHaveLength(3);
  });

  it('names whose part the group code waits for as the list names them: contact, claim (as a claim), number', async () => {
    const named = [
      { ...people[0]!, contact: { name: 'Bob', verifiedAt: 1 }, codePending: true },
      { ...people[1]!, peerName: 'Carol', codePending: true },
      people[2]!,
    ];
    const { render } = await mount([fakeView(1, group({ participants: named }), { enabled: true })]);
    expect(textOf(byTestId(render(), 'group-code-pending')!)).toBe(
      'Group code: not ready — waiting for the part of Bob and “Carol” (as they say). Compare the per-person codes meanwhile.',
    );
    const all = named.map((p) => ({ ...p, codePending: true }));
    const again = await mount([fakeView(1, group({ participants: all }), { enabled: true })]);
    expect(textOf(byTestId(again.render(), 'group-code-pending')!)).toMatch(/waiting for the part of Bob, “Carol” \(as they say\), and Participant 3\./);
  });
});
