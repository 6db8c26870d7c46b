/**
 * The effective decision (docs/admin.md §2–§4): managed keys alone; the tenant document deciding, with call sites
 * and E2EEMode as the fallback for users it grants nothing; failing closed while no valid document is in force;
 * and what the popup says about each.
 */
import { describe, expect, it } from 'vitest';
import { decideForOrigin, effectivePolicy, type EffectivePolicy } from '../../../../src/background/tenant/effective';
import { parseTenantPolicyDocument, type Mode } from '../../../../src/background/tenant/document';
import type { ManagedConfig } from '../../../../src/background/tenant/managed-config';
import { policyView } from '../../../../src/background/tenant/policy-view';
import type { TenantPolicyState } from '../../../../src/background/tenant/refresher';
import { documentWith, EXAMPLE_NOW, makeSigner } from './support';
import english from '../../../../public/_locales/en/messages.json';
import german from '../../../../public/_locales/de/messages.json';
import { catalogLookup, setMessageLookup } from '../../../../src/shared/i18n';

const signer = await makeSigner();
const managed = (changes: Partial<ManagedConfig> = {}): ManagedConfig => ({
  e2eeMode: undefined,
  tenant: { kind: 'configured', url: 'https://p.test/x', key: signer.pinned, tenantId: 'contoso.example' },
  subject: { groups: [] },
  issues: [],
  ...changes,
});
const inForce = (changes: Record<string, unknown> = {}): TenantPolicyState => ({
  consecutiveFailures: 0,
  lastSuccessAt: EXAMPLE_NOW,
  inForce: {
    verified: { document: parseTenantPolicyDocument(documentWith(changes)), payload: new Uint8Array(), envelope: new Uint8Array() },
    acceptedAt: EXAMPLE_NOW,
  },
});
const modeOnly = (mode: Mode): EffectivePolicy => ({ mode, source: { kind: 'managed', modeSet: true } });

describe('effectivePolicy', () => {
  it('without a tenant setup, E2EEMode decides everywhere (unset: allowed)', () => {
    expect(effectivePolicy(managed({ tenant: { kind: 'none' } }), undefined, EXAMPLE_NOW)).toEqual({
      mode: 'allowed',
      source: { kind: 'managed', modeSet: false },
    });
    expect(effectivePolicy(managed({ tenant: { kind: 'none' }, e2eeMode: 'required' }), undefined, EXAMPLE_NOW).mode).toBe('required');
  });

  it('fails closed (required, everywhere) while misconfigured, before the first document, and once it expired', () => {
    const failClosed = (reason: string) => ({ mode: 'required', source: { kind: 'fail-closed', reason } });
    const misconfigured = managed({ tenant: { kind: 'misconfigured', problems: [] }, e2eeMode: 'disabled' });
    expect(effectivePolicy(misconfigured, inForce(), EXAMPLE_NOW)).toEqual(failClosed('misconfigured'));
    expect(effectivePolicy(managed({ e2eeMode: 'disabled' }), undefined, EXAMPLE_NOW)).toEqual(failClosed('pending'));
    expect(effectivePolicy(managed(), { consecutiveFailures: 3 }, EXAMPLE_NOW)).toEqual(failClosed('pending'));
    expect(effectivePolicy(managed(), inForce(), Date.UTC(2027, 11, 1))).toEqual(failClosed('expired'));
  });

  it('lets the document decide: user beats group beats tenant, and E2EEMode is not a floor', () => {
    const decide = (subject: ManagedConfig['subject']) => effectivePolicy(managed({ subject, e2eeMode: 'required' }), inForce(), EXAMPLE_NOW);
    expect(decide({ groups: [] })).toEqual({
      mode: 'onByDefault',
      source: { kind: 'tenant', policyName: 'Standard', grantedBy: { kind: 'tenant' }, serial: 12 },
    });
    expect(decide({ groups: ['call-centre'] })).toMatchObject({ mode: 'disabled', source: { policyName: 'Recorded' } });
    const ceo = decide({ principal: 'ceo@contoso.example', groups: ['call-centre'] });
    expect(ceo).toMatchObject({ mode: 'required', source: { policyName: 'Finance', grantedBy: { kind: 'user' } } });
    expect(ceo.sites?.map((s) => s.text)).toEqual(['https://meet.contoso.example', 'https://*.calls.contoso.example']);
  });

  it('falls back to E2EEMode for a user the document grants nothing', () => {
    const state = inForce({ grants: { groups: [{ group: 'finance', policy: 'Finance' }] } });
    expect(effectivePolicy(managed({ e2eeMode: 'onByDefault' }), state, EXAMPLE_NOW)).toEqual({
      mode: 'onByDefault',
      source: { kind: 'tenant-no-grant', serial: 12, modeSet: true },
    });
  });
});

describe('decideForOrigin', () => {
  it.each([
    ['disabled', undefined, { enabled: false, canToggle: false, allowPlaintextFallback: true }],
    ['disabled', true, { enabled: false, canToggle: false }],
    ['allowed', undefined, { enabled: false, canToggle: true, allowPlaintextFallback: true }],
    ['allowed', true, { enabled: true, canToggle: true }],
    ['onByDefault', undefined, { enabled: true, canToggle: true, allowPlaintextFallback: true }],
    ['onByDefault', false, { enabled: false, canToggle: true }],
    ['required', false, { enabled: true, canToggle: false, allowPlaintextFallback: false }],
  ] as const)('%s with the user switch %s', (mode, choice, expected) => {
    expect(decideForOrigin(modeOnly(mode), 'https://any.test', choice)).toMatchObject({ inScope: true, ...expected });
  });

  it('acts only on the policy call sites', () => {
    const finance = effectivePolicy(managed({ subject: { groups: ['finance'] } }), inForce(), EXAMPLE_NOW);
    expect(decideForOrigin(finance, 'https://meet.contoso.example', false)).toEqual({
      inScope: true,
      enabled: true,
      allowPlaintextFallback: false,
      canToggle: false,
    });
    expect(decideForOrigin(finance, 'https://eu.calls.contoso.example', undefined).enabled).toBe(true);
    expect(decideForOrigin(finance, 'https://meet.other.example', true)).toEqual({
      inScope: false,
      enabled: false,
      allowPlaintextFallback: true,
      canToggle: false,
    });
    expect(decideForOrigin(finance, undefined, true).inScope).toBe(false);
    expect(decideForOrigin(modeOnly('required'), undefined, undefined).inScope).toBe(true);
  });
});

describe('policyView', () => {
  const view = (config: ManagedConfig, state: TenantPolicyState | undefined, origin = 'https://meet.contoso.example', choice?: boolean) => {
    const policy = effectivePolicy(config, state, EXAMPLE_NOW);
    return policyView(config, policy, decideForOrigin(policy, origin, choice), state);
  };

  it('names the policy and to whom it is assigned', () => {
    const v = view(managed({ subject: { groups: ['Finance'] } }), inForce());
    expect(v).toMatchObject({ decidedBy: 'organization', policyName: 'Finance', grantedBy: { kind: 'group', group: 'finance' }, canRefresh: true });
    expect(v.lines).toEqual([
      "Your organization's policy “Finance” (assigned to your group finance) requires end-to-end encrypted calls: calls that cannot be encrypted are blocked.",
    ]);
    expect(view(managed(), inForce()).lines[0]).toMatch(/“Standard” \(for everyone in your organization\) turns end-to-end encrypted calls on by default/);
    expect(view(managed({ subject: { principal: 'ceo@contoso.example', groups: [] } }), inForce(), 'https://x.test').lines[0]).toBe(
      "Your organization's policy “Finance” limits CallSeal to its call sites; CallSeal is off on this site.",
    );
  });

  it('says since when the document could not be refreshed, and which one stays in force', () => {
    const state: TenantPolicyState = { ...inForce(), failingSince: Date.UTC(2025, 11, 1, 14, 5), consecutiveFailures: 2 };
    state.problem = { code: 'unreachable', message: 'the server could not be reached', at: Date.UTC(2025, 11, 1, 14, 7) };
    expect(view(managed(), state).lines.slice(1)).toEqual([
      "Could not refresh your organization's policy since 2025-12-01 14:05 UTC (the server could not be reached).",
      'The policy of 2025-11-30 12:00 UTC (serial 12) stays in force.',
    ]);
    state.problem = { code: 'rollback', message: 'x', at: 0 };
    expect(view(managed(), state).lines[1]).toMatch(/refused because it is older than the policy in force\.$/);
    // What CallSeal measured goes into its own sentence; the English message (for logs and the CLI) never shows.
    state.problem = { code: 'unreachable', message: 'the server answered HTTP 503', at: 0, httpStatus: 503 };
    expect(view(managed(), state).lines[1]).toBe("Could not refresh your organization's policy since 2025-12-01 14:05 UTC (the server answered HTTP 503).");
    state.problem = { code: 'unreachable', message: 'the server did not answer in time', at: 0, timedOut: true };
    expect(view(managed(), state).lines[1]).toBe("Could not refresh your organization's policy since 2025-12-01 14:05 UTC (the server did not answer in time).");
  });

  it('speaks the user’s language: every sentence comes from _locales (German here)', () => {
    setMessageLookup(catalogLookup(german));
    try {
      const state: TenantPolicyState = { ...inForce(), failingSince: Date.UTC(2025, 11, 1, 14, 5), consecutiveFailures: 1 };
      state.problem = { code: 'bad-signature', message: 'the signature does not verify with the pinned key', at: 0 };
      const issues = [{ key: 'UserGroups' as const, problem: 'groups-invalid' as const, count: 2 }];
      expect(view({ ...managed({ subject: { groups: ['Finance'] } }), issues }, state).lines).toEqual([
        'Die Richtlinie „Finance“ Ihrer Organisation (Ihrer Gruppe finance zugewiesen) verlangt Ende-zu-Ende-verschlüsselte Anrufe: Anrufe, die nicht verschlüsselt werden können, werden blockiert.',
        'Die Richtlinie Ihrer Organisation konnte seit 2025-12-01 14:05 UTC nicht aktualisiert werden: Das Dokument des Servers wurde abgelehnt, weil seine Signatur ungültig ist.',
        'Die Richtlinie vom 2025-11-30 12:00 UTC (Seriennummer 12) bleibt in Kraft.',
        'UserGroups hat 2 Einträge, die keine gültigen Gruppennamen sind; ignoriert.',
      ]);
      expect(view(managed(), undefined).lines).toEqual([
        'Warten auf die Richtlinie Ihrer Organisation: Anrufe werden verschlüsselt und blockiert, wo das nicht möglich ist.',
      ]);
    } finally {
      setMessageLookup(catalogLookup(english));
    }
  });

  it('explains failing closed', () => {
    expect(view(managed(), undefined).lines).toEqual(["Waiting for your organization's policy: calls are encrypted, and blocked where they cannot be."]);
    const problems = [{ key: 'TenantPolicyKey' as const, problem: 'not-set' as const }];
    expect(view(managed({ tenant: { kind: 'misconfigured', problems } }), undefined).lines[0]).toBe(
      "Your organization's CallSeal settings are incomplete (TenantPolicyKey is not set.): calls are encrypted, and blocked where they cannot be.",
    );
    const expired = inForce({ notAfter: '2025-12-01T00:00:00Z' });
    expect(view(managed(), expired).lines[0]).toMatch(/^Your organization's policy expired on 2025-12-01 00:00 UTC/);
  });

  it('with managed keys only: the user decides under allowed; a sentence for the other modes; ignored keys listed', () => {
    const none = (mode: Mode | undefined) => managed({ tenant: { kind: 'none' }, e2eeMode: mode });
    expect(view(none(undefined), undefined)).toEqual({ decidedBy: 'user', lines: [], canRefresh: false });
    expect(view(none('onByDefault'), undefined).lines).toEqual([
      'Your organization turns end-to-end encrypted calls on by default; you may turn them off.',
    ]);
    expect(view(none('required'), undefined).decidedBy).toBe('organization');
    const issues = [{ key: 'E2EEMode' as const, problem: 'mode-invalid' as const }];
    expect(view({ ...none(undefined), issues }, undefined).lines).toEqual([
      'E2EEMode is not disabled, allowed, onByDefault or required; ignored.',
    ]);
  });
});
