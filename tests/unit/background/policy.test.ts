/**
 * From the policy in force to each frame's settings and the popup's words (policy.ts), and when a policy may still
 * be on its way (policy-delivery.ts).
 */
import { describe, expect, it } from 'vitest';
import { decidedSnapshot, heldSnapshot } from '../../../src/background/policy';
import {
  decideDelivery,
  KNOWN_NONE_GRACE_MS,
  POLICY_GRACE_MS,
  type DeliveryEvidence,
} from '../../../src/background/policy-delivery';
import { SigningBudget } from '../../../src/background/signing-budget';
import { decideForOrigin } from '../../../src/background/tenant/effective';
import { parseOriginPattern, type OriginPattern } from '../../../src/background/tenant/origin-pattern';
import type { Mode } from '../../../src/background/tenant/document';
import { modeSnapshot } from './fakes';

describe('machine mode alone (E2EEMode, no tenant document)', () => {
  it('leaves the switch to the user when allowed (off until turned on), with the plaintext fallback', () => {
    expect(modeSnapshot(false).settingsFor('https://a.example')).toMatchObject({ page: { enabled: false }, canToggle: true });
    expect(modeSnapshot(true).settingsFor('https://a.example')).toEqual({
      page: { enabled: true, allowPlaintextFallback: true, fallbackAfterMs: 4000 },
      canToggle: true,
    });
  });

  it('turns E2EE on by default under onByDefault, off only by the user’s explicit choice', () => {
    const managed = { e2eeMode: 'onByDefault' as Mode, tenant: { kind: 'none' as const }, subject: { groups: [] }, issues: [] };
    const never = decidedSnapshot({ managed, tenant: undefined, userChoice: undefined, now: 0 });
    expect(never.settingsFor('https://a.example')).toMatchObject({ page: { enabled: true, allowPlaintextFallback: true }, canToggle: true });
    const off = decidedSnapshot({ managed, tenant: undefined, userChoice: false, now: 0 });
    expect(off.settingsFor('https://a.example')?.page.enabled).toBe(false);
    expect(never.tabPolicy('https://a.example').policy.lines).toEqual([
      'Your organization turns end-to-end encrypted calls on by default; you may turn them off.',
    ]);
  });

  it('turns E2EE off and locks the switch when disabled', () => {
    const snapshot = modeSnapshot(true, 'disabled');
    expect(snapshot.settingsFor('https://a.example')).toMatchObject({ page: { enabled: false }, canToggle: false });
    const tab = snapshot.tabPolicy(undefined);
    expect(tab).toMatchObject({ enabled: false, canToggle: false, policy: { decidedBy: 'organization' } });
    expect(tab.policy.lines[0]).toMatch(/organization has turned off/);
  });

  it('turns E2EE on without the plaintext fallback when required, and derives the status fail-closed', () => {
    const snapshot = modeSnapshot(false, 'required');
    expect(snapshot.settingsFor('null')).toMatchObject({ page: { enabled: true, allowPlaintextFallback: false }, canToggle: false });
    expect(snapshot.tabPolicy('https://a.example').status).toEqual({ enabled: true, failClosed: true });
  });
});

describe('call sites', () => {
  const sites = ['https://meet.contoso.example', 'https://*.calls.contoso.example'].map((text) => parseOriginPattern(text) as OriginPattern);

  it('acts only on listed origins; elsewhere, and for opaque origins, settings say off', () => {
    const policy = { mode: 'required' as const, sites, source: { kind: 'managed' as const, modeSet: true } };
    expect(decideForOrigin(policy, 'https://meet.contoso.example', undefined).enabled).toBe(true);
    expect(decideForOrigin(policy, 'https://a.calls.contoso.example', undefined).enabled).toBe(true);
    expect(decideForOrigin(policy, 'https://meet.contoso.example.evil.example', undefined).enabled).toBe(false);
    expect(decideForOrigin(policy, 'null', undefined)).toMatchObject({ inScope: false, enabled: false, canToggle: false });
  });
});

describe('held', () => {
  it('answers no settings for any origin, and the popup says CallSeal waits', () => {
    const held = heldSnapshot();
    expect(held.held).toBe(true);
    expect(held.settingsFor('https://a.example')).toBeUndefined();
    expect(held.settingsFor(undefined)).toBeUndefined();
    expect(held.tabPolicy('https://a.example')).toEqual({
      enabled: false,
      canToggle: false,
      status: { enabled: true, failClosed: true },
      policy: { decidedBy: 'organization', lines: ["Waiting for your organization's policy: CallSeal holds the media of calls (nothing is sent or played) until it arrives."], canRefresh: false, waiting: true },
    });
  });
});

describe('decideDelivery: may a policy still be on its way?', () => {
  const base: DeliveryEvidence = {
    managed: {},
    settledThisSession: false,
    remembered: undefined,
    installedByAdmin: false,
    tenantDocumentCached: false,
    knownWithoutPolicy: false,
  };

  it('takes a delivered policy whatever else is known', () => {
    const policy = { E2EEMode: 'required' };
    expect(decideDelivery({ ...base, managed: policy, remembered: { E2EEMode: 'disabled' } })).toEqual({ kind: 'delivered', policy });
  });

  it('reads empty as no policy once the browser delivered in this session (a service-worker restart)', () => {
    expect(decideDelivery({ ...base, settledThisSession: true, installedByAdmin: true, remembered: { E2EEMode: 'required' } })).toEqual({
      kind: 'none',
    });
  });

  it('applies the remembered policy at once before the browser delivered it', () => {
    const remembered = { E2EEMode: 'required' };
    expect(decideDelivery({ ...base, remembered, installedByAdmin: true })).toEqual({
      kind: 'remembered',
      policy: remembered,
      graceMs: POLICY_GRACE_MS,
    });
  });

  it('holds when installed by the admin, or when a tenant document is cached', () => {
    expect(decideDelivery({ ...base, installedByAdmin: true })).toEqual({ kind: 'held', graceMs: POLICY_GRACE_MS });
    expect(decideDelivery({ ...base, tenantDocumentCached: true })).toEqual({ kind: 'held', graceMs: POLICY_GRACE_MS });
  });

  it('holds only briefly where an earlier session already waited in vain (force-installed without a policy)', () => {
    expect(decideDelivery({ ...base, installedByAdmin: true, knownWithoutPolicy: true })).toEqual({
      kind: 'held',
      graceMs: KNOWN_NONE_GRACE_MS,
    });
    expect(POLICY_GRACE_MS).toBeGreaterThan(60_000); // Chromium took more than 45 s on a loaded machine.
  });

  it('does not hold a user-installed CallSeal that never saw a policy', () => {
    expect(decideDelivery(base)).toEqual({ kind: 'none' });
    expect(decideDelivery({ ...base, managed: undefined, remembered: [] })).toEqual({ kind: 'none' });
  });
});

describe('SigningBudget', () => {
  it('grants its capacity at once, then refills over time', () => {
    let now = 0;
    const budget = new SigningBudget(3, 6, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    now += 10_000; // 6 a minute: one token every 10 s
    expect([budget.take(), budget.take()]).toEqual([true, false]);
  });
});
