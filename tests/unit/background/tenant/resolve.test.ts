/** Who gets which named policy (docs/admin.md §3.3): user beats group beats tenant; the first listed group wins. */
import { describe, expect, it } from 'vitest';
import { parseTenantPolicyDocument } from '../../../../src/background/tenant/document';
import { resolvePolicy } from '../../../../src/background/tenant/resolve';
import { documentWith, exampleDocument } from './support';

const example = parseTenantPolicyDocument(exampleDocument());
const resolved = (principal: string | undefined, groups: string[], doc = example) => {
  const r = resolvePolicy(doc, { principal, groups });
  return r && { policy: r.policy.name, by: r.grantedBy };
};

describe('resolvePolicy', () => {
  it('gives everyone the tenant policy', () => {
    expect(resolved(undefined, [])).toEqual({ policy: 'Standard', by: { kind: 'tenant' } });
    expect(resolved('bob@contoso.example', ['all-staff'])).toEqual({ policy: 'Standard', by: { kind: 'tenant' } });
  });

  it('lets a group grant beat the tenant grant, the first listed group winning', () => {
    expect(resolved('bob@contoso.example', ['call-centre'])).toEqual({ policy: 'Recorded', by: { kind: 'group', group: 'call-centre' } });
    // Listed order in the document, not in UserGroups: finance is ranked first.
    expect(resolved(undefined, ['call-centre', 'finance'])).toEqual({ policy: 'Finance', by: { kind: 'group', group: 'finance' } });
  });

  it('lets a user grant beat group grants, case-insensitively and trimmed', () => {
    expect(resolved('  CEO@Contoso.Example ', ['call-centre'])).toEqual({ policy: 'Finance', by: { kind: 'user' } });
    expect(resolved(undefined, [' FINANCE'])).toMatchObject({ policy: 'Finance' });
  });

  it('grants nothing when the document has no grant for this user', () => {
    const noTenant = parseTenantPolicyDocument(documentWith({ grants: { groups: [{ group: 'finance', policy: 'Finance' }] } }));
    expect(resolved('bob@contoso.example', ['sales'], noTenant)).toBeUndefined();
    expect(resolved('bob@contoso.example', ['finance'], noTenant)).toMatchObject({ policy: 'Finance' });
  });
});
