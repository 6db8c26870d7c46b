/**
 * The document's strict validation (docs/admin.md §3.1): the example is valid (for the extension and the CLI), and
 * every rule refuses the whole document as `malformed`, naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { parseTenantPolicyDocument, parseUtcTime } from '../../../../src/background/tenant/document';
import { isTenantPolicyError } from '../../../../src/background/tenant/errors';
// @ts-expect-error -- plain-Node .mjs without declarations (checked on its own: npx tsc -p tools/tenant-policy)
import { validateDocument } from '../../../../tools/tenant-policy/lib/document.mjs';
import { documentWith, exampleDocument } from './support';

function refusal(doc: unknown): string {
  try {
    parseTenantPolicyDocument(doc);
  } catch (error) {
    if (isTenantPolicyError(error) && error.code === 'malformed') return error.message;
    throw error;
  }
  throw new Error('the document was accepted');
}

describe('parseTenantPolicyDocument', () => {
  it('reads the example of docs/examples (and the CLI accepts it too)', () => {
    const doc = parseTenantPolicyDocument(exampleDocument());
    expect(doc).toMatchObject({ tenantId: 'contoso.example', serial: 12, refreshMinutes: 60 });
    expect(doc.issuedAt).toBe(Date.UTC(2025, 10, 30, 12));
    expect(doc.notAfter).toBe(Date.UTC(2027, 11, 1));
    expect([...doc.policies.keys()]).toEqual(['Standard', 'Finance', 'Recorded']);
    expect(doc.policies.get('Finance')?.sites?.map((s) => s.text)).toEqual(['https://meet.contoso.example', 'https://*.calls.contoso.example']);
    expect(doc.grants).toEqual({
      tenant: 'Standard',
      groups: [
        { group: 'finance', policy: 'Finance' },
        { group: 'call-centre', policy: 'Recorded' },
      ],
      users: [{ user: 'ceo@contoso.example', policy: 'Finance' }],
    });
    expect(() => validateDocument(exampleDocument())).not.toThrow();
  });

  it('defaults refreshMinutes to 60 and allows no grants at all', () => {
    const doc = parseTenantPolicyDocument(documentWith({ refreshMinutes: undefined, grants: undefined, notAfter: undefined }));
    expect(doc.refreshMinutes).toBe(60);
    expect(doc.grants).toEqual({ groups: [], users: [] });
  });

  const policies = (p: unknown) => documentWith({ policies: p, grants: {} });
  it.each([
    ['an unknown top-level field', documentWith({ policy: {} }), /unknown field "policy"/],
    ['another format', documentWith({ format: 'x' }), /format/],
    ['version 2', documentWith({ version: 2 }), /version/],
    ['serial 0', documentWith({ serial: 0 }), /serial/],
    ['a fractional serial', documentWith({ serial: 1.5 }), /serial/],
    ['an unsafe serial', documentWith({ serial: 2 ** 53 }), /serial/],
    ['a tenantId with a space', documentWith({ tenantId: 'con toso' }), /tenantId/],
    ['refreshMinutes 1', documentWith({ refreshMinutes: 1 }), /refreshMinutes/],
    ['a local time', documentWith({ notAfter: '2027-12-01T00:00:00' }), /notAfter/],
    ['an impossible date', documentWith({ issuedAt: '2026-02-30T00:00:00Z' }), /issuedAt/],
    ['an invalid month', documentWith({ notAfter: '2026-13-45T99:99:99Z' }), /notAfter/],
    ['a misspelled "sites"', policies({ A: { mode: 'required', site: ['https://x.test'] } }), /unknown field "site"/],
    ['an unknown mode', policies({ A: { mode: 'on' } }), /mode/],
    ['empty sites', policies({ A: { mode: 'required', sites: [] } }), /non-empty/],
    ['a bad site', policies({ A: { mode: 'required', sites: ['https://x.test/path'] } }), /site "https:\/\/x.test\/path"/],
    ['a bad policy name', policies({ ' A': { mode: 'required' } }), /invalid name/],
    ['a prototype key as name', policies(JSON.parse('{"__proto__":{"mode":"required"}}')), /invalid name/],
    ['a long description', policies({ A: { mode: 'allowed', description: 'x'.repeat(201) } }), /description/],
    ['a tenant grant of an unknown policy', documentWith({ grants: { tenant: 'Nope' } }), /grants.tenant/],
    ['a group grant of an unknown policy', documentWith({ grants: { groups: [{ group: 'g', policy: 'Nope' }] } }), /no known policy/],
    ['a group granted twice (case-insensitively)', documentWith({ grants: { groups: [{ group: 'G', policy: 'Finance' }, { group: 'g', policy: 'Standard' }] } }), /twice/],
    ['a user grant with an extra field', documentWith({ grants: { users: [{ user: 'u', policy: 'Finance', rank: 1 }] } }), /unknown field "rank"/],
    ['users as an object', documentWith({ grants: { users: { u: 'Finance' } } }), /not a list/],
    ['an empty user', documentWith({ grants: { users: [{ user: ' ', policy: 'Finance' }] } }), /invalid user/],
  ])('refuses %s', (_what, doc, message) => {
    expect(refusal(doc)).toMatch(message);
    // The CLI refuses it as well, except serial 0: its working document has serial 0 until the first publish.
    if (_what !== 'serial 0') expect(() => validateDocument(doc)).toThrow();
  });

  it('parses only exact UTC seconds', () => {
    expect(parseUtcTime('2025-11-30T12:00:00Z')).toBe(Date.UTC(2025, 10, 30, 12));
    for (const bad of ['2025-11-30T12:00:00.000Z', '2025-11-30T12:00:00+00:00', '2025-11-30', 1_700_000_000_000]) {
      expect(parseUtcTime(bad)).toBeUndefined();
    }
  });
});
