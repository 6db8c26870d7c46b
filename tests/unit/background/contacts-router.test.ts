/**
 * The background with contacts (protocol.md §4.3, §4.5, §7.4), driven through fake ports: the display name signed
 * with the transcript, the peer's claimed name, "Codes match" saving a contact, "Verified: <name>" in later calls,
 * the key-change warnings (a contact's name claimed with another key, an identity change away from a contact,
 * encryption lost) — notified once, and never `verified` until the user compares again — and the options port.
 */
import { groupCapabilityExtension } from '../../../src/e2ee/group-keys';
import { describe, expect, it } from 'vitest';
import { ContactBook } from '../../../src/background/contacts';
import { createRouter } from '../../../src/background/router';
import type { TabCallStatus } from '../../../src/shared/call-status';
import { OPTIONS_PORT, type OptionsView } from '../../../src/shared/options-messages';
import { signatureMessage } from '../../../src/e2ee/signing';
import { encodeDisplayNameExtension } from '../../../src/e2ee/display-name';
import { EXTENSION_ID, EXTENSION_URL, FakePort, harness, memoryContactsBackend, watchedCall } from './fakes';
import { CODE_1, CODE_2, encrypted, KEY_1, KEY_2, report, SESSION_B, shownFrom } from './report-fixtures';

async function start(displayName = '') {
  const h = harness();
  const contacts = new ContactBook(memoryContactsBackend());
  let name = displayName;
  const notified: TabCallStatus[] = [];
  const bg = createRouter({
    ...h.deps,
    verifiedPeers: contacts,
    profile: { load: async () => name, save: async (next) => void (name = next) },
    notify: (_tabId, status) => void notified.push(status),
  });
  const { bridge, popup, send, view } = await watchedCall(bg);
  return { h, bg, contacts, bridge, popup, send, view, notified, name: () => name };
}

describe('the display name', () => {
  it('is appended to what the identity signs and returned with the signature, before the group capability', async () => {
    const { bg, bridge, send } = await start('Alice');
    await send(report());
    const input = Buffer.alloc(40, 7).toString('base64');
    bridge.send({ kind: 'sign', requestId: 5, input });
    await bg.settled();
    const [signed] = bridge.ofKind('signed');
    const extensions = new Uint8Array([...encodeDisplayNameExtension('Alice'), ...groupCapabilityExtension()]);
    expect(signed?.extensions).toBe(Buffer.from(extensions).toString('base64'));
    const settings = bridge.ofKind('settings')[0] as unknown as { identityPublicKey: string };
    const key = await crypto.subtle.importKey('raw', Buffer.from(settings.identityPublicKey, 'base64'), 'Ed25519', false, ['verify']);
    const message = signatureMessage(new Uint8Array(Buffer.from(input, 'base64')), extensions);
    expect(await crypto.subtle.verify('Ed25519', key, Buffer.from(signed?.signature as string, 'base64'), message)).toBe(true);
  });

  it('is set from the popup, normalized, refused with a plain reason when it breaks a rule', async () => {
    const { bg, popup, view, name } = await start();
    popup.send({ kind: 'set-display-name', name: '  Zoe\u0308 ' });
    await bg.settled();
    expect(name()).toBe('Zoë');
    expect(view().displayName).toBe('Zoë');
    popup.send({ kind: 'set-display-name', name: 'evil\u202egnp' });
    await bg.settled();
    expect(popup.ofKind('failed').at(-1)).toMatchObject({ code: 'name-invalid', message: expect.stringMatching(/invisible or control/) });
    expect(name()).toBe('Zoë');
  });
});

describe('contacts and warnings', () => {
  it('shows the claimed name; "Codes match" saves the contact; the next call is "Verified" by name', async () => {
    const { bg, popup, send, view, contacts } = await start();
    const call = encrypted({ peerName: 'Bob' });
    await send(call);
    expect(view().status).toMatchObject({ state: 'encrypted', peerName: 'Bob' });
    expect(view().status.contact).toBeUndefined();
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, { ...call, seq: 1 }), contactName: 'Bobby' });
    await bg.settled();
    expect(contacts.get(KEY_1)).toMatchObject({ name: 'Bobby', claimedName: 'Bob' });
    expect(view().status).toMatchObject({ state: 'verified', contact: { name: 'Bobby' } });
    // A later call (a new worker session) with the same identity: verified without comparing.
    await send(encrypted({ session: SESSION_B, securityCode: CODE_2, peerName: 'Bob' }));
    expect(view().status).toMatchObject({ state: 'verified', contact: { name: 'Bobby' } });
  });

  it("a peer claiming a contact's name with another key: warned, identity-changed, notified once", async () => {
    const { send, view, contacts, notified } = await start();
    await contacts.verify(KEY_1, 'Bob');
    await send(encrypted({ peerIdentityPublicKey: KEY_2, peerName: 'bob' }));
    expect(view().status).toMatchObject({ state: 'identity-changed', warning: 'contact-key-changed', warningName: 'Bob' });
    await send(encrypted({ peerIdentityPublicKey: KEY_2, peerName: 'bob' }));
    expect(notified.map((s) => s.warning)).toEqual(['contact-key-changed']);
  });

  it("confirming the new code replaces the contact's key: verified, no warning", async () => {
    const { bg, popup, send, view, contacts } = await start();
    await contacts.verify(KEY_1, 'Bob');
    const call = encrypted({ peerIdentityPublicKey: KEY_2, peerName: 'Bob' });
    await send(call);
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, call), contactName: 'Bob' });
    await bg.settled();
    expect(contacts.has(KEY_1)).toBe(false);
    expect(contacts.get(KEY_2)?.name).toBe('Bob');
    expect(view().status).toMatchObject({ state: 'verified', contact: { name: 'Bob' } });
    expect(view().status.warning).toBeUndefined();
  });

  it("an identity change away from a contact names the contact", async () => {
    const { send, view, contacts, notified } = await start();
    await contacts.verify(KEY_1, 'Bob');
    await send(encrypted());
    expect(view().status.state).toBe('verified');
    await send(encrypted({ state: 'identity-changed', epoch: 2, peerIdentityPublicKey: KEY_2, securityCode: CODE_2 }));
    expect(view().status).toMatchObject({ state: 'identity-changed', warning: 'contact-key-changed', warningName: 'Bob' });
    expect(notified.at(-1)?.warning).toBe('contact-key-changed');
  });

  it('encryption lost mid-call: warned and not verified until the user compares again', async () => {
    const { bg, popup, send, view, contacts, notified } = await start();
    await contacts.verify(KEY_1, 'Bob');
    await send(encrypted());
    expect(view().status.state).toBe('verified');
    await send(encrypted({ detail: 'peer-stopped-encrypting' }));
    expect(view().status).toMatchObject({ state: 'encrypted', warning: 'encryption-lost' });
    await send(encrypted()); // the peer's encrypted media is back: still not verified
    expect(view().status).toMatchObject({ state: 'encrypted', warning: 'encryption-lost' });
    expect(notified.map((s) => s.warning)).toEqual(['encryption-lost']);
    popup.send({ kind: 'mark-verified', ...shownFrom(1, 0, encrypted()) });
    await bg.settled();
    expect(view().status.state).toBe('verified');
    expect(view().status.warning).toBeUndefined();
  });

  it('a report whose name breaks the rules is not believed (dropped like any malformed message)', async () => {
    const { send, view } = await start();
    await send(encrypted({ peerName: 'a\u202eb' }));
    expect(view().status.state).toBe('off');
    await send(encrypted({ peerName: 'Bob' }));
    expect(view().status).toMatchObject({ state: 'encrypted', peerName: 'Bob' });
  });
});

describe('the options port', () => {
  it('lists, renames and forgets contacts; shows and resets the own identity', async () => {
    const { bg, bridge, contacts, h } = await start();
    const before = bridge.ofKind('settings').length;
    await contacts.verify(KEY_1, 'Bob');
    const options = new FakePort(OPTIONS_PORT, { id: EXTENSION_ID, url: `${EXTENSION_URL}src/options/index.html` });
    bg.connect(options);
    options.send({ kind: 'options-watch' });
    await bg.settled();
    const last = () => options.ofKind('options').at(-1)?.view as OptionsView;
    expect(last().contacts).toMatchObject([{ identityPublicKey: KEY_1, name: 'Bob' }]);
    expect(last().identity?.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
    const oldKey = h.store.stored?.publicKey;

    options.send({ kind: 'rename-contact', identityPublicKey: KEY_1, name: 'Robert' });
    await bg.settled();
    expect(last().contacts[0]?.name).toBe('Robert');
    options.send({ kind: 'forget-contact', identityPublicKey: KEY_1 });
    await bg.settled();
    expect(last().contacts).toEqual([]);

    options.send({ kind: 'reset-identity' });
    await bg.settled();
    expect(h.store.stored?.publicKey).not.toEqual(oldKey);
    const pushed = bridge.ofKind('settings');
    expect(pushed.length).toBeGreaterThan(before);
    expect(pushed.at(-1)?.identityPublicKey).toBe(Buffer.from(h.store.stored!.publicKey).toString('base64'));
  });

  it('answers a request that fails with options-failed, and goes on with the next', async () => {
    const { bg, h } = await start();
    const options = new FakePort(OPTIONS_PORT, { id: EXTENSION_ID, url: `${EXTENSION_URL}src/options/index.html` });
    bg.connect(options);
    const save = h.store.save;
    h.store.save = async () => {
      h.store.save = save;
      throw new Error('disk full');
    };
    options.send({ kind: 'reset-identity' });
    options.send({ kind: 'options-watch' });
    await bg.settled();
    const answers = options.posted as Array<{ kind: string; code?: string }>;
    expect(answers.map((m) => m.code ?? m.kind)).toEqual(['options-failed', 'options']);
  });

  it('refuses a port from anything but the extension’s own pages', async () => {
    const { bg } = await start();
    const foreign = new FakePort(OPTIONS_PORT, { id: EXTENSION_ID, url: 'https://evil.example/' });
    bg.connect(foreign);
    expect(foreign.disconnected).toBe(true);
  });
});

it('keeps CODE_1 in use', () => expect(CODE_1).toMatch(/\d/));
