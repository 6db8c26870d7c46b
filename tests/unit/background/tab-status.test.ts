/**
 * What the background makes of a group call's report (protocol.md §11.9, §7.4): each participant on its own, the tab
 * showing the weakest, and a contact's name claimed with another identity key loud, as in a call of two.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CallRegistry } from '../../../src/background/call-registry';
import type { StatusContext } from '../../../src/background/tab-status';
import type { ReportParticipant } from '../../../src/shared/messages';
import { CODE_1, CODE_2, encrypted, KEY_1, KEY_2, keyOf } from './report-fixtures';

const TAB = 1;
const KEY_3 = keyOf(3);
let calls: CallRegistry;

/** The user's contacts: Bob (KEY_1) and Carol (KEY_2). */
const CONTACTS = [
  { name: 'Bob', identityPublicKey: KEY_1, verifiedAt: 1 },
  { name: 'Carol', identityPublicKey: KEY_2, verifiedAt: 2 },
];
const fold = (name: string): string => name.normalize('NFKC').toLowerCase();
const ctx: StatusContext = {
  enabled: true,
  failClosed: false,
  isVerifiedPeer: (key) => CONTACTS.some((c) => c.identityPublicKey === key),
  contactOf: (key) => CONTACTS.find((c) => c.identityPublicKey === key),
  contactNamed: (name) => CONTACTS.find((c) => fold(c.name) === fold(name)),
};

const participant = (key: string, code: string, over: Partial<ReportParticipant> = {}): ReportParticipant => ({
  state: 'encrypted',
  securityCode: code,
  peerIdentityPublicKey: key,
  hearsYou: true,
  youHear: true,
  ...over,
});

/** A group call's report with these participants; the top-level pair fields are the current pair's, as the worker sends. */
const group = (participants: ReportParticipant[]) => encrypted({ participants });

beforeEach(() => {
  calls = new CallRegistry(() => 1_000_000);
});

describe('a group call', () => {
  it('shows each contact verified and named, and the call verified only when every participant is', () => {
    calls.report(TAB, 0, group([participant(KEY_1, CODE_1, { peerName: 'Bob' }), participant(KEY_2, CODE_2)]));
    const both = calls.status(TAB, ctx);
    expect(both.state).toBe('verified');
    expect(both.participants?.map((p) => [p.state, p.contact?.name])).toEqual([
      ['verified', 'Bob'],
      ['verified', 'Carol'],
    ]);
    expect(both.warning).toBeUndefined();

    calls.report(TAB, 0, { ...group([participant(KEY_1, CODE_1), participant(KEY_3, CODE_2)]), seq: 2 });
    const mixed = calls.status(TAB, ctx);
    expect(mixed.state).toBe('encrypted');
    expect(mixed.participants?.map((p) => p.state)).toEqual(['verified', 'encrypted']);
  });

  it("warns when a participant claims a contact's name with another identity key: that participant and the call are identity-changed", () => {
    // Someone says they are Bob, but Bob's key is KEY_1: the infrastructure (or anyone) may be posing as a contact.
    calls.report(TAB, 0, group([participant(KEY_2, CODE_2), participant(KEY_3, CODE_1, { peerName: 'bob' })]));
    const shown = calls.status(TAB, ctx);
    expect(shown.participants?.map((p) => [p.state, p.peerName])).toEqual([
      ['verified', undefined],
      ['identity-changed', 'bob'],
    ]);
    expect(shown.state).toBe('identity-changed');
    expect(shown.warning).toBe('contact-key-changed');
    expect(shown.warningName).toBe('Bob');
  });

  it('a claim of a name no contact has, or of its own contact name, is no warning', () => {
    calls.report(TAB, 0, group([participant(KEY_1, CODE_1, { peerName: 'Bob' }), participant(KEY_3, CODE_2, { peerName: 'Dave' })]));
    const shown = calls.status(TAB, ctx);
    expect(shown.participants?.map((p) => p.state)).toEqual(['verified', 'encrypted']);
    expect(shown.state).toBe('encrypted');
    expect(shown.warning).toBeUndefined();
  });
});

describe('a group call with someone who cannot join its encryption (protocol.md §11.3, §11.9)', () => {
  it('lists a 1:1-only CallSeal as needing an update: never verified, and the call not verified either', () => {
    calls.report(TAB, 0, group([participant(KEY_1, CODE_1), participant(KEY_2, CODE_2, { state: 'needs-update', hearsYou: false, youHear: false })]));
    const shown = calls.status(TAB, ctx);
    // Carol is a verified contact, but her CallSeal cannot decrypt the group: she stays `needs-update`.
    expect(shown.participants?.map((p) => [p.state, p.contact?.name])).toEqual([
      ['verified', 'Bob'],
      ['needs-update', 'Carol'],
    ]);
    expect(shown.state).toBe('encrypted');
  });

  it('lists the participants while the call is negotiating: whom it waits for, and who hears whom (§11.9)', () => {
    const waiting = participant(KEY_3, CODE_2, { state: 'connecting', hearsYou: false, youHear: false });
    calls.report(TAB, 0, { ...group([participant(KEY_1, CODE_1), waiting]), state: 'negotiating' });
    const shown = calls.status(TAB, ctx);
    expect(shown.state).toBe('negotiating');
    expect(shown.participants?.map((p) => [p.state, p.hearsYou, p.youHear])).toEqual([
      ['verified', true, true],
      ['connecting', false, false],
    ]);
  });

  it('passes on how many participants without CallSeal there are, only in an encrypted call', () => {
    calls.report(TAB, 0, { ...group([participant(KEY_3, CODE_1)]), withoutCallSeal: 2, detail: 'participant-without-callseal' });
    expect(calls.status(TAB, ctx)).toMatchObject({ state: 'encrypted', withoutCallSeal: 2, detail: 'participant-without-callseal' });
    // A count with a call that is not encrypted is impossible: the frame's session goes to an internal error.
    calls.report(TAB, 0, { ...encrypted(), state: 'unencrypted', seq: 2, withoutCallSeal: 1 });
    expect(calls.status(TAB, ctx).withoutCallSeal).toBeUndefined();
  });
});

describe('a group call that lost its encryption (protocol.md §7.4, §11.9)', () => {
  const shown = (key: string, code: string) => ({ tabId: TAB, frameId: 0, session: encrypted().session, securityCode: code, peerIdentityPublicKey: key });
  const strangers: StatusContext = { enabled: true, failClosed: false, isVerifiedPeer: () => false };

  it('warns until the user has compared codes again with every participant present, after the loss', () => {
    const people = [participant(KEY_3, CODE_1), participant(keyOf(4), CODE_2)];
    calls.report(TAB, 0, { ...group(people), seq: 1 });
    calls.report(TAB, 0, { ...encrypted(), state: 'unencrypted', seq: 2, epoch: 1 });
    calls.report(TAB, 0, { ...group(people), seq: 3, epoch: 2 });
    expect(calls.status(TAB, strangers).warning).toBe('encryption-lost');

    expect(calls.confirmParticipant(shown(KEY_3, CODE_1))).toBeDefined();
    expect(calls.status(TAB, strangers).warning).toBe('encryption-lost'); // one of two compared
    expect(calls.confirmParticipant(shown(keyOf(4), CODE_2))).toBeDefined();
    expect(calls.status(TAB, strangers).warning).toBeUndefined();
  });

  it('does not wait for a participant who needs an update: there is no code to compare with it', () => {
    const people = [participant(KEY_3, CODE_1), participant(keyOf(4), CODE_2, { state: 'needs-update', hearsYou: false, youHear: false })];
    calls.report(TAB, 0, { ...group(people), seq: 1 });
    calls.report(TAB, 0, { ...encrypted(), state: 'unencrypted', seq: 2, epoch: 1 });
    calls.report(TAB, 0, { ...group(people), seq: 3, epoch: 2 });
    expect(calls.status(TAB, strangers).warning).toBe('encryption-lost');
    expect(calls.confirmParticipant(shown(KEY_3, CODE_1))).toBeDefined();
    expect(calls.status(TAB, strangers).warning).toBeUndefined();
  });

  it('a comparison withdrawn (the contact could not be stored) does not count', () => {
    const people = [participant(KEY_3, CODE_1)];
    calls.report(TAB, 0, { ...group(people), seq: 1 });
    calls.report(TAB, 0, { ...encrypted(), state: 'unencrypted', seq: 2, epoch: 1 });
    calls.report(TAB, 0, { ...group(people), seq: 3, epoch: 2 });
    calls.confirmParticipant(shown(KEY_3, CODE_1));
    calls.withdrawParticipant(shown(KEY_3, CODE_1));
    expect(calls.status(TAB, strangers).warning).toBe('encryption-lost');
  });
});
