/**
 * The managed keys (docs/admin.md §1): typed values, bad values ignored with a reason, and a tenant setup that is
 * incomplete reported as misconfigured (the effective policy then fails closed) — never an exception.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPolicyUrl, readManagedConfig } from '../../../../src/background/tenant/managed-config';
import { issueSentence } from '../../../../src/background/tenant/policy-view';
import { encodeBase64 } from '../../../../src/background/tenant/strict-json';
import { makeSigner } from './support';

const EXTENSION_ID = 'nlnkaholkfmhjpfkjcnbpfglhkajpmgc';
const linuxExample = (): Record<string, unknown> => {
  const file = JSON.parse(readFileSync(new URL('../../../../docs/examples/managed-policy-linux.json', import.meta.url), 'utf8'));
  return file['3rdparty'].extensions[EXTENSION_ID];
};

describe('readManagedConfig', () => {
  it('with nothing set: no mode, no tenant, no issues', async () => {
    for (const raw of [undefined, null, {}, 'x']) {
      expect(await readManagedConfig(raw)).toEqual({ e2eeMode: undefined, tenant: { kind: 'none' }, subject: { groups: [] }, issues: [] });
    }
  });

  it('reads the Linux example once its key placeholder is replaced; verbatim, it fails closed on the key', async () => {
    const verbatim = await readManagedConfig(linuxExample());
    expect(verbatim.tenant.kind).toBe('misconfigured');
    const problems = verbatim.tenant.kind === 'misconfigured' ? verbatim.tenant.problems.map(issueSentence) : [];
    expect(problems).toEqual(['TenantPolicyKey is not base64.']);

    const signer = await makeSigner();
    const config = await readManagedConfig({ ...linuxExample(), TenantPolicyKey: encodeBase64(signer.raw) });
    expect(config).toMatchObject({
      e2eeMode: 'allowed',
      tenant: { kind: 'configured', url: 'https://callseal.contoso.example/tenant-policy.json', tenantId: 'contoso.example' },
      subject: { principal: 'alice@contoso.example', groups: ['finance', 'all-staff'] },
      issues: [],
    });
    expect(config.tenant.kind === 'configured' && config.tenant.key.keyId).toBe(signer.pinned.keyId);
  });

  it('ignores bad values with a reason, never throws', async () => {
    const config = await readManagedConfig({ E2EEMode: 'REQUIRED', UserPrincipal: 42, UserGroups: ['ok', 7, ''], TenantId: 'x' });
    expect(config.e2eeMode).toBeUndefined();
    expect(config.subject).toEqual({ groups: ['ok'] });
    expect(config.issues.map((i) => i.key)).toEqual(['E2EEMode', 'UserPrincipal', 'UserGroups', 'TenantId', 'UserGroups']);
    expect(config.issues.map(issueSentence)).toEqual([
      'E2EEMode is not disabled, allowed, onByDefault or required; ignored.',
      'UserPrincipal is not a string; ignored.',
      'UserGroups has 2 entries that are not valid group names; ignored.',
      'TenantId has no effect without TenantPolicyUrl; ignored.',
      'UserGroups has no effect without TenantPolicyUrl; ignored.',
    ]);
    expect(issueSentence((await readManagedConfig({ UserGroups: 'finance' })).issues[0]!)).toMatch(/UserGroups is not a list/);
    expect((await readManagedConfig({ E2EEMode: ' ' })).e2eeMode).toBeUndefined(); // empty is "not set"
    expect((await readManagedConfig({ E2EEMode: 'onByDefault' })).e2eeMode).toBe('onByDefault');
  });

  it('reports an incomplete or invalid tenant setup as misconfigured, naming each key', async () => {
    const signer = await makeSigner();
    const key = encodeBase64(signer.raw);
    const problems = async (raw: Record<string, unknown>) => {
      const config = await readManagedConfig(raw);
      return config.tenant.kind === 'misconfigured' ? config.tenant.problems.map(issueSentence) : config.tenant.kind;
    };
    expect(await problems({ TenantPolicyUrl: 'https://p.test/x' })).toEqual(['TenantPolicyKey is not set.']);
    expect(await problems({ TenantPolicyKey: key })).toEqual(['TenantPolicyUrl is not set.']);
    expect(await problems({ TenantPolicyUrl: 'http://p.test/x', TenantPolicyKey: key })).toEqual([
      'TenantPolicyUrl must be https:// (http:// only for 127.0.0.1, [::1] or localhost).',
    ]);
    expect(await problems({ TenantPolicyUrl: 'https://p.test/x', TenantPolicyKey: encodeBase64(new Uint8Array(32)) })).toEqual([
      'TenantPolicyKey is a point of small order (a weak key).',
    ]);
    expect(await problems({ TenantPolicyUrl: 'https://p.test/x', TenantPolicyKey: key, TenantId: 'a b' })).toEqual([
      'TenantId is not 1–128 printable characters without spaces.',
    ]);
    expect(await problems({ TenantPolicyUrl: ['https://p.test/x'], TenantPolicyKey: key, TenantId: 5 })).toEqual([
      'TenantPolicyUrl is not a string.',
      'TenantId is not 1–128 printable characters without spaces.',
    ]);
    expect(await problems({ TenantPolicyUrl: 'https://p.test/x', TenantPolicyKey: key })).toBe('configured');
  });

  it('checks the URL: https, or http on loopback; no credentials; no fragment', () => {
    expect(checkPolicyUrl('https://p.test/policy.json#x')).toBe('https://p.test/policy.json');
    expect(checkPolicyUrl('http://127.0.0.1:8080/tenant-policy.json')).toBe('http://127.0.0.1:8080/tenant-policy.json');
    expect(checkPolicyUrl('http://[::1]/x')).toBe('http://[::1]/x');
    expect(checkPolicyUrl('http://localhost/x')).toBe('http://localhost/x');
    expect(checkPolicyUrl('https://user:pw@p.test/x')).toEqual({ problem: 'url-credentials' });
    expect(checkPolicyUrl('ftp://p.test/x')).toHaveProperty('problem');
    expect(checkPolicyUrl('http://10.0.0.1/x')).toEqual({ problem: 'url-not-https' });
    expect(checkPolicyUrl('not a url')).toEqual({ problem: 'url-invalid' });
  });
});
