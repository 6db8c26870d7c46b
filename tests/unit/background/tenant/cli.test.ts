/**
 * The admin CLI's verbs in process (the child-process run is in reference-service.test.ts): ranks, grant and
 * policy removal, the serial that never goes back, and the refusals that protect the signing key.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEnvelope } from '../../../../src/background/tenant/envelope';
import { readManagedConfig } from '../../../../src/background/tenant/managed-config';
// @ts-expect-error -- plain-Node .mjs without declarations (checked on its own: npx tsc -p tools/tenant-policy)
import { run } from '../../../../tools/tenant-policy/cli.mjs';

let dir: string;
let out: string[];
let err: string[];
const now = Date.UTC(2025, 11, 1);
const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => now };
const cli = async (...args: string[]): Promise<number> => {
  out = [];
  err = [];
  return (await run([...args, '--dir', dir], io)) as number;
};
const working = async () => JSON.parse(await readFile(join(dir, 'policy.json'), 'utf8'));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callseal-cli-'));
  expect(await cli('keygen')).toBe(0);
  expect(await cli('init', '--tenant', 'contoso.example')).toBe(0);
  expect(await cli('new', 'A', '--mode', 'required')).toBe(0);
  expect(await cli('new', 'B', '--mode', 'allowed')).toBe(0);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tenant-policy CLI', () => {
  it('orders group grants by rank, and re-granting replaces the policy in place', async () => {
    await cli('grant', 'A', '--group', 'g1');
    await cli('grant', 'A', '--group', 'g2');
    await cli('grant', 'B', '--group', 'g3', '--rank', '1');
    await cli('grant', 'B', '--group', 'G2');
    expect((await working()).grants.groups).toEqual([
      { group: 'g3', policy: 'B' },
      { group: 'g1', policy: 'A' },
      { group: 'g2', policy: 'B' },
    ]);
    await cli('grant', 'A', '--group', 'g2', '--rank', '1');
    expect((await working()).grants.groups.map((g: { group: string }) => g.group)).toEqual(['g2', 'g3', 'g1']);
  });

  it('removes grants and policies; a granted policy only with --force, taking its grants along', async () => {
    await cli('grant', 'A', '--tenant');
    await cli('grant', 'A', '--user', 'u@x');
    await cli('grant', 'B', '--group', 'g');
    expect(await cli('remove', '--user', 'U@X')).toBe(0);
    expect(await cli('remove', '--user', 'u@x')).toBe(1);
    expect(await cli('remove', 'A')).toBe(1);
    expect(err[0]).toMatch(/granted to the tenant/);
    expect(await cli('remove', 'A', '--force')).toBe(0);
    const doc = await working();
    expect(Object.keys(doc.policies)).toEqual(['B']);
    expect(doc.grants).toEqual({ groups: [{ group: 'g', policy: 'B' }], users: [] });
  });

  it('sets modes, sites and the refresh interval', async () => {
    expect(await cli('set', 'B', '--site', 'https://*.x.test', '--mode', 'onByDefault')).toBe(0);
    expect((await working()).policies.B).toEqual({ mode: 'onByDefault', sites: ['https://*.x.test'] });
    expect(await cli('set', 'B', '--all-sites')).toBe(0);
    expect((await working()).policies.B).toEqual({ mode: 'onByDefault' });
    expect(await cli('set', '--refresh-minutes', '30')).toBe(0);
    expect((await working()).refreshMinutes).toBe(30);
    expect(await cli('set', '--refresh-minutes', '3')).toBe(2);
    expect(await cli('set', 'B', '--site', 'https://x.test', '--all-sites')).toBe(2);
  });

  it('publishes what the extension accepts, with a serial that never goes back (even after init --force)', async () => {
    await cli('grant', 'A', '--tenant');
    expect(await cli('sign', '--valid-days', '7')).toBe(0);
    expect(out[0]).toMatch(/Published serial 1 .* valid until 2025-12-08T00:00:00Z/);
    await cli('init', '--tenant', 'contoso.example', '--force');
    expect(await cli('publish')).toBe(0);
    expect(out.join('\n')).toMatch(/Published serial 2[\s\S]*no tenant grant/);

    const config = await readManagedConfig({
      TenantPolicyUrl: 'https://p.test/x',
      TenantPolicyKey: (await readFile(join(dir, 'public-key.txt'), 'utf8')).trim(),
    });
    if (config.tenant.kind !== 'configured') throw new Error('key refused');
    const opened = await openEnvelope(await readFile(join(dir, 'tenant-policy.json')), config.tenant.key);
    expect(opened.document).toMatchObject({ serial: 2, tenantId: 'contoso.example', issuedAt: now });
  });

  it('refuses to publish when public-key.txt does not match the private key, and warns about a readable key', async () => {
    await writeFile(join(dir, 'public-key.txt'), `${'A'.repeat(43)}=\n`);
    expect(await cli('publish')).toBe(1);
    expect(err[0]).toMatch(/does not match/);
    await rm(join(dir, 'public-key.txt'));
    await chmod(join(dir, 'signing-key.pem'), 0o644);
    expect(await cli('publish')).toBe(0);
    expect(err[0]).toMatch(/readable by other users/);
  });

  it('shows JSON for scripts and explains unknown verbs and options', async () => {
    expect(await cli('show', 'A', '--json')).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({ mode: 'required' });
    expect(await run(['frobnicate'], io)).toBe(2);
    expect(await cli('show', '--colour')).toBe(2);
    expect(err[0]).toMatch(/Unknown option '--colour'/);
    expect(await run([], io)).toBe(2);
  });
});
