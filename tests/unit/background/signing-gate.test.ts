/**
 * The signing gate (src/background/signing-gate.ts, protocol.md §4.3, §4.5, §7.4), on its own: which request gets a
 * signature, in which order the refusals are decided (a refused request spends no budget and makes no identity), what
 * the signature covers, and that the budget is the tab's and origin's.
 */
import { describe, expect, it } from 'vitest';
import { LazyIdentity } from '../../../src/background/identity';
import { heldSnapshot, type PolicySnapshot } from '../../../src/background/policy';
import { createSigningGate } from '../../../src/background/signing-gate';
import type { BridgeSender } from '../../../src/background/sender-check';
import { encodeDisplayNameExtension } from '../../../src/e2ee/display-name';
import { groupCapabilityExtension } from '../../../src/e2ee/group-keys';
import { signatureMessage } from '../../../src/e2ee/signing';
import { concatBytes } from '../../../src/shared/bytes';
import type { BackgroundToPage } from '../../../src/shared/messages';
import { memoryIdentityStore, modeSnapshot } from './fakes';
import { FakeClock } from '../support/fake-clock';

const input = (fill = 7, length = 40): string => Buffer.alloc(length, fill).toString('base64');
const FRAME: BridgeSender = { tabId: 1, frameId: 0, origin: 'https://call.example' };

function gate(options: { settings?: PolicySnapshot; running?: boolean; name?: string; settingsFail?: boolean } = {}) {
  const clock = new FakeClock();
  const store = memoryIdentityStore();
  const identity = new LazyIdentity(store);
  const warnings: unknown[][] = [];
  const world = { settings: options.settings ?? modeSnapshot(true), running: options.running ?? true };
  const signing = createSigningGate({
    now: () => clock.now(),
    calls: { hasRunningCall: () => world.running },
    settings: async () => {
      if (options.settingsFail) throw new Error('storage went away');
      return world.settings;
    },
    identity,
    profile: { load: async () => options.name ?? '' },
    warn: (...args) => void warnings.push(args),
  });
  return { signing, clock, store, identity, world, warnings };
}

const codeOf = (answer: BackgroundToPage): string | undefined =>
  answer.kind === 'sign-refused' ? answer.code : answer.kind === 'signed' ? 'signed' : undefined;

describe('the signing gate', () => {
  it('answers sign-failed, and warns, when the policy cannot be read: the worker is not left waiting', async () => {
    const { signing, warnings } = gate({ settingsFail: true });
    const answer = await signing.answer(FRAME, 3, input(9));
    expect(answer).toEqual({ kind: 'sign-refused', requestId: 3, code: 'sign-failed' });
    expect(warnings.map(([message]) => message)).toEqual(['signing failed']);
  });

  it('signs label || input || the background’s own extensions (display name, group capability), and answers with both', async () => {
    const { signing, identity } = gate({ name: 'Alice' });
    const answer = await signing.answer(FRAME, 5, input(9));
    if (answer.kind !== 'signed') throw new Error(`not signed: ${JSON.stringify(answer)}`);
    expect(answer.requestId).toBe(5);
    const extensions = concatBytes(encodeDisplayNameExtension('Alice'), groupCapabilityExtension());
    expect(answer.extensions).toBe(Buffer.from(extensions).toString('base64'));
    const publicKey = new Uint8Array((await identity.get()).publicKey);
    const key = await crypto.subtle.importKey('raw', publicKey, 'Ed25519', false, ['verify']);
    const message = signatureMessage(new Uint8Array(Buffer.from(input(9), 'base64')), extensions);
    expect(await crypto.subtle.verify('Ed25519', key, Buffer.from(answer.signature, 'base64'), message)).toBe(true);
  });

  it('refuses while E2EE is off, or the policy is held, without making an identity or spending budget', async () => {
    for (const settings of [modeSnapshot(false), modeSnapshot(true, 'disabled'), heldSnapshot()]) {
      const { signing, store, world } = gate({ settings });
      for (let i = 0; i < 13; i++) expect(codeOf(await signing.answer(FRAME, i, input()))).toBe('disabled');
      expect([store.loads, store.saves]).toEqual([0, 0]);
      world.settings = modeSnapshot(true);
      expect(codeOf(await signing.answer(FRAME, 99, input()))).toBe('signed');
    }
  });

  it('refuses a frame without a running call before looking at the input, spending no budget', async () => {
    const { signing, world, store } = gate({ running: false });
    for (let i = 0; i < 13; i++) expect(codeOf(await signing.answer(FRAME, i, 'not base64!'))).toBe('no-call');
    expect(store.loads).toBe(0);
    world.running = true;
    for (let i = 0; i < 12; i++) expect(codeOf(await signing.answer(FRAME, i, input()))).toBe('signed');
  });

  it('refuses input that is not base64 without spending budget', async () => {
    const { signing } = gate();
    for (let i = 0; i < 13; i++) expect(codeOf(await signing.answer(FRAME, i, '%%%'))).toBe('malformed-input');
    for (let i = 0; i < 12; i++) expect(codeOf(await signing.answer(FRAME, i, input()))).toBe('signed');
  });

  it('answers sign-failed, and warns, when the identity cannot sign the input (a wrong length)', async () => {
    const { signing, warnings } = gate();
    const answer = await signing.answer(FRAME, 3, input(7, 5));
    expect(answer).toEqual({ kind: 'sign-refused', requestId: 3, code: 'sign-failed' });
    expect(warnings.map(([message]) => message)).toEqual(['signing failed']);
  });

  it('budgets 12 per tab and origin, not per frame, other tabs and origins apart; forgetTab resets', async () => {
    const { signing, clock } = gate();
    const codes = async (sender: BridgeSender, n: number): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(codeOf(await signing.answer(sender, i, input())) ?? '');
      return out;
    };
    expect(await codes(FRAME, 12)).toEqual(Array(12).fill('signed'));
    // Another frame of the same origin in the tab shares the budget.
    expect(await codes({ ...FRAME, frameId: 4 }, 1)).toEqual(['rate-limited']);
    expect(await codes({ ...FRAME, origin: 'https://other.example' }, 1)).toEqual(['signed']);
    expect(await codes({ ...FRAME, tabId: 2 }, 1)).toEqual(['signed']);
    clock.advance(5000); // 12 a minute: one more after 5 s.
    expect(await codes(FRAME, 2)).toEqual(['signed', 'rate-limited']);
    signing.forgetTab(2);
    signing.forgetTab(1);
    expect(await codes(FRAME, 12)).toEqual(Array(12).fill('signed'));
  });
});
