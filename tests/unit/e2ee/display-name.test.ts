/**
 * CONFIRM extension 0x01, the display name (protocol.md §4.5): the rules a name must keep, encoding and decoding
 * (bad UTF-8 and refused characters dropped, never repaired), the signature covering the extension bytes, and the
 * session reporting the peer's claimed name.
 */
import { describe, expect, it } from 'vitest';
import { checkPeerConfirm, openConfirm, sealConfirm } from '../../../src/e2ee/confirm';
import {
  decodeDisplayName,
  displayNameProblem,
  encodeDisplayNameExtension,
  isSendableExtensions,
  normalizeDisplayName,
  peerDisplayName,
} from '../../../src/e2ee/display-name';
import { signatureMessage, signingInput } from '../../../src/e2ee/signing';
import { expectE2eeError, expectE2eeRejection, FakeClock, makeIdentity } from './helpers';
import { handshake, harness } from './session-helpers';

const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);
const ext = (type: number, value: Uint8Array) => Uint8Array.from([type, value.length, ...value]);

describe('display name rules', () => {
  it.each([
    ['Bob', null],
    ['Zoë Müller-Łukasiewicz', null],
    ['山田太郎', null],
    ['👩‍👩‍👧 family', null], // ZWJ sequences are allowed
    ['می‌خواهم', null], // ZWNJ is allowed
    ['a'.repeat(64), null],
    ['ä'.repeat(32), null], // 64 bytes
    ['', 'empty'],
    [' Bob', 'untrimmed'],
    ['Bob\u00a0', 'untrimmed'],
    ['e\u0301', 'not-nfc'],
    ['a'.repeat(65), 'too-long'],
    ['ä'.repeat(33), 'too-long'], // 33 characters, 66 bytes
    ['Bob\tSmith', 'refused-character'],
    ['Bob\nSmith', 'refused-character'],
    ['Bob\u0085', 'refused-character'], // C1 control
    ['evil\u202egnp.exe', 'refused-character'], // bidi override
    ['Bo\u200bb', 'refused-character'], // zero-width space
    ['\ufeffBob', 'refused-character'], // BOM
    ['Bob\u2028', 'refused-character'], // line separator
    ['Bob\ue000', 'refused-character'], // private use
    ['Bob\ud800', 'refused-character'], // a lone surrogate in a JS string
  ])('%j → %s', (name, problem) => {
    expect(displayNameProblem(name)).toBe(problem);
  });

  it('normalizes what the user typed: NFC, trimmed; empty means no name', () => {
    expect(normalizeDisplayName('  Zoe\u0308 ')).toEqual({ name: 'Zoë' });
    expect(normalizeDisplayName('   ')).toEqual({ name: '' });
    expect(normalizeDisplayName('a\u202eb')).toEqual({ problem: 'refused-character' });
    expect(normalizeDisplayName('x'.repeat(70))).toEqual({ problem: 'too-long' });
  });
});

describe('extension 0x01', () => {
  it('encodes type, length and UTF-8, and decodes back', () => {
    const encoded = encodeDisplayNameExtension('Zoë');
    expect([...encoded]).toEqual([0x01, 4, 0x5a, 0x6f, 0xc3, 0xab]);
    expect(peerDisplayName(encoded)).toEqual({ name: 'Zoë', dropped: false });
    expect(encodeDisplayNameExtension(undefined).length).toBe(0);
    expect(encodeDisplayNameExtension('').length).toBe(0);
    expectE2eeError(() => encodeDisplayNameExtension(' padded '), 'invalid-argument');
    expectE2eeError(() => encodeDisplayNameExtension('x'.repeat(65)), 'invalid-argument');
  });

  it.each([
    ['an overlong NUL', bytes(0xc0, 0x80)],
    ['an encoded surrogate', bytes(0x41, 0xed, 0xa0, 0x80)],
    ['a truncated sequence', bytes(0x41, 0xe2, 0x82)],
    ['an invalid byte', bytes(0x41, 0xff)],
    ['NFD', utf8('e\u0301')],
    ['a BOM', utf8('\ufeffBob')],
    ['a bidi override', utf8('a\u202eb')],
    ['a newline', utf8('a\nb')],
    ['untrimmed', utf8('Bob ')],
    ['empty', bytes()],
    ['65 bytes', utf8('a'.repeat(65))],
  ])('a value with %s is dropped, not repaired', (_what, value) => {
    expect(decodeDisplayName(value)).toBeNull();
    expect(peerDisplayName(ext(1, value))).toEqual({ name: null, dropped: true });
  });

  it('two names: both dropped; unknown types ignored; framing must be exact', () => {
    const two = new Uint8Array([...encodeDisplayNameExtension('A'), ...encodeDisplayNameExtension('B')]);
    expect(peerDisplayName(two)).toEqual({ name: null, dropped: true });
    const withUnknown = new Uint8Array([...ext(0x7f, bytes(1, 2, 3)), ...encodeDisplayNameExtension('Bob')]);
    expect(peerDisplayName(withUnknown)).toEqual({ name: 'Bob', dropped: false });
    expect(peerDisplayName(bytes())).toEqual({ name: null, dropped: false });
    expectE2eeError(() => peerDisplayName(bytes(0x01, 5, 0x41)), 'bad-confirm');
    expectE2eeError(() => peerDisplayName(bytes(0x01)), 'bad-confirm');
  });

  it('what a sender may write: framed, at most 128 bytes, one valid name', () => {
    expect(isSendableExtensions(encodeDisplayNameExtension('Bob'))).toBe(true);
    expect(isSendableExtensions(bytes())).toBe(true);
    expect(isSendableExtensions(ext(1, bytes(0xc0, 0x80)))).toBe(false);
    expect(isSendableExtensions(bytes(0x01, 9))).toBe(false);
    expect(isSendableExtensions(new Uint8Array(129))).toBe(false);
    expectE2eeError(() => signatureMessage(new Uint8Array(40), bytes(0x01, 9)), 'invalid-argument');
  });
});

describe('the signature covers the extensions', () => {
  async function setup() {
    const identity = await makeIdentity();
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']);
    const th = crypto.getRandomValues(new Uint8Array(32));
    const from = crypto.getRandomValues(new Uint8Array(8));
    const to = crypto.getRandomValues(new Uint8Array(8));
    const own = (await makeIdentity()).publicKey;
    const input = signingInput(th, from);
    /** A CONFIRM whose signature covers `signed` and whose plaintext carries `carried`. */
    const confirm = async (signed: Uint8Array, carried: Uint8Array = signed) => {
      const signature = await identity.signRaw(signatureMessage(input, signed));
      const sealed = await sealConfirm(key, from, to, { identityPublicKey: identity.publicKey, signature, extensions: carried });
      return checkPeerConfirm(await openConfirm(key, from, to, sealed), th, from, own);
    };
    return { identity, confirm, input };
  }

  it('a signed name is read', async () => {
    const { confirm, identity } = await setup();
    const peer = await confirm(encodeDisplayNameExtension('Alice'));
    expect(peer.displayName).toBe('Alice');
    expect(peer.nameDropped).toBe(false);
    expect(peer.identityPublicKey).toEqual(identity.publicKey);
  });

  it('a name swapped after signing, or added to a signature without one, fails the signature', async () => {
    const { confirm } = await setup();
    await expectE2eeRejection(
      () => confirm(encodeDisplayNameExtension('Alice'), encodeDisplayNameExtension('Mallory')),
      'bad-signature',
    );
    await expectE2eeRejection(() => confirm(bytes(), encodeDisplayNameExtension('Alice')), 'bad-signature');
    await expectE2eeRejection(() => confirm(encodeDisplayNameExtension('Alice'), bytes()), 'bad-signature');
  });

  it('no extensions sign exactly as before (label || th || pid)', async () => {
    const { input } = await setup();
    expect(signatureMessage(input, bytes())).toEqual(signatureMessage(input));
    expect(signatureMessage(input).length).toBe(22 + 40);
  });

  it('a bad name that the peer signed anyway is dropped, and the CONFIRM still counts', async () => {
    const { identity } = await setup();
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']);
    const th = crypto.getRandomValues(new Uint8Array(32));
    const from = crypto.getRandomValues(new Uint8Array(8));
    const to = crypto.getRandomValues(new Uint8Array(8));
    const bad = ext(1, bytes(0xc0, 0x80));
    // The honest gate refuses to sign it, so sign the raw message as a hostile peer would.
    const message = new Uint8Array([...signatureMessage(signingInput(th, from)), ...bad]);
    const signature = await identity.signRaw(message);
    const sealed = await sealConfirm(key, from, to, { identityPublicKey: identity.publicKey, signature, extensions: bad });
    const peer = await checkPeerConfirm(await openConfirm(key, from, to, sealed), th, from, (await makeIdentity()).publicKey);
    expect(peer.displayName).toBeNull();
    expect(peer.nameDropped).toBe(true);
  });
});

describe('sessions carry the name', () => {
  it("each side reports the other's signed name; a side without one reports none", async () => {
    const clock = new FakeClock();
    const alice = await harness(clock);
    const aliceSign = alice.identity.sign;
    const named = await harness(clock, {
      sign: async (input) => {
        const extensions = encodeDisplayNameExtension('Alice');
        return { signature: await alice.identity.signRaw(signatureMessage(input, extensions)), extensions };
      },
    }, alice.identity);
    const bob = await harness(clock);
    await handshake(clock, named, bob);
    expect(bob.session.status().state).toBe('encrypted');
    expect(bob.session.status().peerName).toBe('Alice');
    expect(bob.session.status().suite).toBe(4);
    expect(named.session.status().peerName).toBeUndefined();
    expect(aliceSign).toBeTypeOf('function');
  });

  it('a background that returns extensions the signature does not cover: our CONFIRM is not made', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const liar = await harness(clock, {
      sign: async (input) => ({ signature: await a.identity.sign(input), extensions: encodeDisplayNameExtension('X') }),
    }, a.identity);
    const b = await harness(clock);
    await handshake(clock, liar, b);
    expect(b.session.status().state).toBe('negotiating');
    expect(liar.session.status().detail).toBe('sign-failed');
  });
});
