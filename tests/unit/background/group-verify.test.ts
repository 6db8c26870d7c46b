/**
 * "Codes match" for one participant of a group call (protocol.md §7.4, §11.9), through the background with fake
 * ports and a fake clock: the popup is trusted, the report is the page's claim. The participant is stored as a
 * contact only while the frame's current, fresh report lists exactly that identity key with exactly that code;
 * otherwise the answer is `participant-changed` and nothing is stored. The call is `verified` only when every
 * participant is. The participants whose part of the group code is missing (§11.7) reach the popup's status.
 */
import { describe, expect, it } from 'vitest';
import { ContactBook } from '../../../src/background/contacts';
import { HEARTBEAT_TIMEOUT_MS } from '../../../src/background/report-rules';
import { createRouter } from '../../../src/background/router';
import type { ReportParticipant, SessionReport, ShownParticipant } from '../../../src/shared/messages';
import { failureMessage, nameProblemMessage } from '../../../src/shared/status-text';
import { harness, memoryContactsBackend, watchedCall } from './fakes';
import { CODE_1, CODE_2, KEY_1, KEY_2, keyOf, report, SESSION_B } from './report-fixtures';

const bob: ReportParticipant = { state: 'encrypted', securityCode: CODE_1, peerIdentityPublicKey: KEY_1, peerName: 'Bob', hearsYou: true, youHear: true };
const carol: ReportParticipant = { state: 'encrypted', securityCode: CODE_2, peerIdentityPublicKey: KEY_2, hearsYou: true, youHear: true };

const groupReport = (participants: ReportParticipant[], over: Partial<SessionReport> = {}): SessionReport =>
  report({ state: 'encrypted', epoch: 2, suite: 4, participants, ...over });

/** What the popup showing participant `p` of `r` (frame 0 of tab 1) sends with its "Codes match". */
const shownOf = (r: SessionReport, p: ReportParticipant): ShownParticipant => ({
  tabId: 1,
  frameId: 0,
  session: r.session,
  securityCode: p.securityCode,
  peerIdentityPublicKey: p.peerIdentityPublicKey,
});

async function start() {
  const h = harness();
  const contacts = new ContactBook(memoryContactsBackend());
  const bg = createRouter({ ...h.deps, verifiedPeers: contacts, notify: () => undefined });
  const { popup, send, view } = await watchedCall(bg);
  const verify = async (shown: ShownParticipant, contactName?: string) => {
    popup.send({ kind: 'mark-participant-verified', ...shown, ...(contactName === undefined ? {} : { contactName }) });
    await bg.settled();
  };
  const failures = () => popup.ofKind('failed').map((m) => m.code);
  return { h, bg, contacts, popup, send, verify, view, failures };
}

describe('"Codes match" for a participant of a group call', () => {
  it('stores the listed participant under the typed name: it shows verified, the call only once everyone is', async () => {
    const { send, verify, view, contacts, failures } = await start();
    const call = groupReport([bob, carol]);
    await send(call);
    expect(view().status.state).toBe('encrypted');
    await verify(shownOf(call, bob), '  Bobby ');
    expect(failures()).toEqual([]);
    expect(contacts.get(KEY_1)).toMatchObject({ name: 'Bobby', claimedName: 'Bob' });
    expect(view().status.participants?.map((p) => p.state)).toEqual(['verified', 'encrypted']);
    expect(view().status.participants?.[0]?.contact?.name).toBe('Bobby');
    expect(view().status.state).toBe('encrypted');
    await verify(shownOf(call, carol));
    expect(failures()).toEqual([]);
    expect(contacts.get(KEY_2)).toMatchObject({ name: '' });
    expect(view().status.state).toBe('verified');
  });

  it.each([
    ['a code that is not the participant’s', { ...shownOf(groupReport([bob]), bob), securityCode: CODE_2 }],
    ['a participant not in the report', { ...shownOf(groupReport([bob]), bob), peerIdentityPublicKey: keyOf(9) }],
    ['the code of one participant with the key of another', { ...shownOf(groupReport([bob, carol]), bob), peerIdentityPublicKey: KEY_2 }],
    ['another worker session', { ...shownOf(groupReport([bob]), bob), session: SESSION_B }],
    ['another frame', { ...shownOf(groupReport([bob]), bob), frameId: 3 }],
  ])('refuses %s with participant-changed, and stores nothing', async (_name, shown) => {
    const { send, verify, view, contacts, popup } = await start();
    await send(groupReport([bob, carol]));
    await verify(shown);
    expect(popup.ofKind('failed')).toEqual([{ kind: 'failed', code: 'participant-changed', message: failureMessage('participant-changed') }]);
    expect(contacts.list()).toEqual([]);
    expect(view().status.participants?.map((p) => p.state)).toEqual(['encrypted', 'encrypted']);
  });

  it('refuses a participant who left since the popup showed it', async () => {
    const { send, verify, contacts, failures } = await start();
    const before = groupReport([bob, carol]);
    await send(before);
    await send(groupReport([carol]));
    await verify(shownOf(before, bob));
    expect(failures()).toEqual(['participant-changed']);
    expect(contacts.has(KEY_1)).toBe(false);
  });

  it('refuses when the report is stale (no heartbeat for 4 s), or the call is no longer encrypted', async () => {
    const { h, send, verify, contacts, failures } = await start();
    const call = groupReport([bob]);
    await send(call);
    h.clock.advance(HEARTBEAT_TIMEOUT_MS);
    await verify(shownOf(call, bob));
    await send(groupReport([bob], { state: 'negotiating' }));
    await verify(shownOf(call, bob));
    expect(failures()).toEqual(['participant-changed', 'participant-changed']);
    expect(contacts.has(KEY_1)).toBe(false);
  });

  it('refuses a call of two’s peer through the participant request (only a listed participant counts)', async () => {
    const { send, verify, contacts, failures } = await start();
    await send(report({ state: 'encrypted', epoch: 1, securityCode: CODE_1, peerIdentityPublicKey: KEY_1 }));
    await verify(shownOf(groupReport([bob]), bob));
    expect(failures()).toEqual(['participant-changed']);
    expect(contacts.has(KEY_1)).toBe(false);
  });

  it('a participant posing under a contact’s name is identity-changed until the user confirms its code', async () => {
    const { send, verify, view, contacts, failures } = await start();
    await contacts.verify(keyOf(9), 'Bob');
    const call = groupReport([bob, carol]); // Bob's claim, with another key than the contact Bob's
    await send(call);
    expect(view().status).toMatchObject({ state: 'identity-changed', warning: 'contact-key-changed', warningName: 'Bob' });
    expect(view().status.participants?.[0]?.state).toBe('identity-changed');
    await verify(shownOf(call, bob), 'Bob'); // compared by another channel: this is Bob's new key
    expect(failures()).toEqual([]);
    expect(contacts.has(keyOf(9))).toBe(false);
    expect(contacts.get(KEY_1)?.name).toBe('Bob');
    expect(view().status.participants?.map((p) => p.state)).toEqual(['verified', 'encrypted']);
    expect(view().status.warning).toBeUndefined();
    expect(view().status.state).toBe('encrypted');
  });

  it('carries whose part of the group code is missing into the popup’s status, and drops it with a code', async () => {
    const { send, view } = await start();
    await send(groupReport([{ ...bob, codePending: true }, carol]));
    expect(view().status.participants?.map((p) => p.codePending)).toEqual([true, undefined]);
    await send(groupReport([{ ...bob, codePending: true }, carol], { groupCode: '98765 43210 98765 43210' }));
    expect(view().status.participants?.map((p) => p.codePending)).toEqual([undefined, undefined]);
  });

  it('refuses a name that breaks §4.5 with name-invalid, and stores nothing', async () => {
    const { send, verify, contacts, popup } = await start();
    const call = groupReport([bob]);
    await send(call);
    await verify(shownOf(call, bob), 'Bob\u202e');
    expect(popup.ofKind('failed')).toEqual([{ kind: 'failed', code: 'name-invalid', message: nameProblemMessage('refused-character') }]);
    expect(contacts.has(KEY_1)).toBe(false);
  });

  it('refuses with participant-changed while E2EE is off', async () => {
    const { h, bg, send, verify, contacts, failures } = await start();
    const call = groupReport([bob]);
    await send(call);
    h.setSettings(false);
    bg.settingsChanged();
    await verify(shownOf(call, bob));
    expect(failures()).toEqual(['participant-changed']);
    expect(contacts.has(KEY_1)).toBe(false);
  });
});
