/**
 * The background's router, driven through fake ports and a fake clock (router-helpers.ts): what it signs, for whom,
 * and how many (protocol.md §4.3, §7).
 */
import { groupCapabilityExtension } from '../../../src/e2ee/group-keys';
import { describe, expect, it } from 'vitest';
import { signatureMessage } from '../../../src/e2ee/signing';
import { bridgePort } from './fakes';
import { report, SESSION_B } from './report-fixtures';
import { input, start } from './router-helpers';

/** The background signs the extensions it appends too: no name here, so only the group capability (§11.3). */
async function verifySignature(publicKeyBase64: string, signature: string, signedInput: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', Buffer.from(publicKeyBase64, 'base64'), 'Ed25519', false, [
    'verify',
  ]);
  const message = Buffer.from(signatureMessage(new Uint8Array(Buffer.from(signedInput, 'base64')), groupCapabilityExtension()));
  return crypto.subtle.verify('Ed25519', key, Buffer.from(signature, 'base64'), message);
}

describe('signing', () => {
  it('signs label || input only for a frame whose call is running', async () => {
    const { h, bg, open } = start();
    const port = open(bridgePort());
    port.send({ kind: 'attach' });
    port.send({ kind: 'sign', requestId: 1, input: input() });
    await bg.settled();
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'no-call' }]);

    port.send({ kind: 'session', report: report({ seq: 1, state: 'negotiating' }) });
    port.send({ kind: 'sign', requestId: 2, input: input(9) });
    await bg.settled();
    const [signed] = port.ofKind('signed');
    expect(signed).toMatchObject({ requestId: 2 });
    const publicKey = port.ofKind('settings')[0]?.identityPublicKey as string;
    expect(await verifySignature(publicKey, signed?.signature as string, input(9))).toBe(true);

    // The call's reports stop: no more signatures.
    h.clock.advance(4000);
    port.send({ kind: 'sign', requestId: 3, input: input() });
    // A call reported off: none either.
    port.send({ kind: 'session', report: report({ seq: 2, state: 'off' }) });
    port.send({ kind: 'sign', requestId: 4, input: input() });
    await bg.settled();
    expect(port.ofKind('sign-refused').map((m) => [m.requestId, m.code])).toEqual([
      [1, 'no-call'],
      [3, 'no-call'],
      [4, 'no-call'],
    ]);
  });

  it('a call in one frame does not let another frame of the tab get signatures', async () => {
    const { bg, open } = start();
    const top = open(bridgePort({ frameId: 0 }));
    const iframe = open(bridgePort({ frameId: 5 }));
    top.send({ kind: 'session', report: report() });
    iframe.send({ kind: 'sign', requestId: 1, input: input() });
    await bg.settled();
    expect(iframe.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'no-call' }]);
  });

  it('budgets 12 per tab and origin, across reconnections, then 12 a minute', async () => {
    const { h, bg, open } = start();
    let port = open(bridgePort());
    port.send({ kind: 'session', report: report({ seq: 1 }) });
    for (let i = 1; i <= 13; i++) port.send({ kind: 'sign', requestId: i, input: input() });
    await bg.settled();
    expect(port.ofKind('signed')).toHaveLength(12);
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 13, code: 'rate-limited' }]);

    // The bridge reconnects (or the page reloads): still the same tab and origin, still no budget.
    port.drop();
    port = open(bridgePort());
    port.send({ kind: 'session', report: report({ session: SESSION_B, seq: 1 }) });
    port.send({ kind: 'sign', requestId: 14, input: input() });
    await bg.settled();
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 14, code: 'rate-limited' }]);

    // Another origin in the same tab has its own budget; the same origin in another tab too.
    const iframe = open(bridgePort({ frameId: 2, url: 'https://other.example/' }));
    iframe.send({ kind: 'session', report: report({ seq: 1 }) });
    iframe.send({ kind: 'sign', requestId: 1, input: input() });
    const otherTab = open(bridgePort({ tabId: 2 }));
    otherTab.send({ kind: 'session', report: report({ seq: 1 }) });
    otherTab.send({ kind: 'sign', requestId: 1, input: input() });
    await bg.settled();
    expect(iframe.ofKind('signed')).toHaveLength(1);
    expect(otherTab.ofKind('signed')).toHaveLength(1);

    // 12 a minute: one more every 5 s.
    h.clock.advance(5000);
    port.send({ kind: 'session', report: report({ session: SESSION_B, seq: 2 }) });
    port.send({ kind: 'sign', requestId: 15, input: input() });
    port.send({ kind: 'sign', requestId: 16, input: input() });
    await bg.settled();
    expect(port.ofKind('signed').map((m) => m.requestId)).toEqual([15]);
    expect(port.ofKind('sign-refused').map((m) => m.requestId)).toEqual([14, 16]);
  });

  it.each([
    ['39 bytes', input(7, 39)],
    ['41 bytes', input(7, 41)],
    ['a hello body of version 1 (83 bytes)', input(7, 83)],
    ['no padding', input().replace(/=+$/, '')],
    ['URL-safe base64', Buffer.alloc(40, 0xfb).toString('base64url')],
    ['non-canonical trailing bits', input().replace(/w==$/, 'x==')],
    ['whitespace', ` ${input()}`],
    ['an empty string', ''],
  ])('refuses to sign %s', async (_name, bad) => {
    const { bg, open } = start();
    const port = open(bridgePort());
    port.send({ kind: 'session', report: report() });
    port.send({ kind: 'sign', requestId: 1, input: bad });
    await bg.settled();
    expect(port.ofKind('signed')).toEqual([]);
    expect(port.ofKind('sign-refused')).toEqual([{ kind: 'sign-refused', requestId: 1, code: 'malformed-input' }]);
  });

  it('ignores sign requests without a usable request id, or with bytes that are not a string', async () => {
    const { bg, open } = start();
    const port = open(bridgePort());
    port.send({ kind: 'session', report: report() });
    port.send({ kind: 'sign', requestId: -1, input: input() });
    port.send({ kind: 'sign', requestId: 1.5, input: input() });
    port.send({ kind: 'sign', input: input() });
    port.send({ kind: 'sign-hello', requestId: 1, body: input(7, 83) });
    await bg.settled();
    expect(port.ofKind('signed')).toEqual([]);
  });
});
