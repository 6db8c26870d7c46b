/**
 * The reference tenant service and CLI end to end (docs/admin.md §5), as an admin drives them: the CLI runs as a
 * child process to make the key, the policies and the grants and to publish; the real server runs on 127.0.0.1
 * (port 0); the extension's own modules fetch the document over HTTP and decide. Then the failures of §3.5 are
 * staged on the served file and the server is stopped. Everything started here is stopped, and the temporary
 * folder removed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideForOrigin, effectivePolicy } from '../../../../src/background/tenant/effective';
import { httpPolicyFetch } from '../../../../src/background/tenant/http-fetch';
import { readManagedConfig, type ManagedConfig } from '../../../../src/background/tenant/managed-config';
import { TenantPolicyRefresher } from '../../../../src/background/tenant/refresher';
import { memoryStore } from './support';

const run = promisify(execFile);
const TOOLS = new URL('../../../../tools/tenant-policy/', import.meta.url).pathname;
const CLI = join(TOOLS, 'cli.mjs');
const SERVER = join(TOOLS, 'server.mjs');

let dir: string;
const servers: ChildProcess[] = [];

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args, '--dir', dir]);
  return stdout;
}

async function cliFailure(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [CLI, ...args, '--dir', dir]);
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
  throw new Error(`tenant-policy ${args.join(' ')} succeeded`);
}

/** Starts server.mjs and resolves with its URL once it prints "listening on <url>". */
async function startServer(...args: string[]): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [SERVER, '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    lines.once('line', (line) => resolve(/^listening on (\S+)/.exec(line)?.[1] ?? ''));
  });
  return { url, process: child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callseal-tenant-'));
});

afterAll(async () => {
  for (const child of servers) await stopServer(child);
  await rm(dir, { recursive: true, force: true });
});

describe('reference tenant service with the admin CLI', { timeout: 60_000 }, () => {
  let publicKey: string;
  let url: string;
  let server: ChildProcess;
  let config: ManagedConfig;
  let refresher: TenantPolicyRefresher;
  const clock = { now: Date.now() };
  const decide = (subject: ManagedConfig['subject'], origin: string) => {
    const policy = effectivePolicy({ ...config, subject }, refresher.state, clock.now);
    return { policy, decision: decideForOrigin(policy, origin, undefined) };
  };
  const serial = () => refresher.state.inForce?.verified.document.serial;

  it('keygen writes a 0600 private key, prints only the public one', async () => {
    const out = await cli('keygen');
    publicKey = /TenantPolicyKey: (\S+)/.exec(out)?.[1] ?? '';
    expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const pem = await readFile(join(dir, 'signing-key.pem'), 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(out).not.toContain(pem.split('\n')[1]);
    expect((await stat(join(dir, 'signing-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await cliFailure('keygen')).stderr).toMatch(/already exists/);
  });

  it('creates policies and grants, and publishes', async () => {
    await cli('init', '--tenant', 'contoso.example', '--refresh-minutes', '15');
    await cli('new', 'Standard', '--mode', 'onByDefault');
    await cli('new', 'Finance', '--mode', 'required', '--site', 'https://meet.contoso.example', '--site', 'https://*.calls.contoso.example');
    await cli('new', 'Recorded', '--mode', 'disabled', '--description', 'Call centre: recorded');
    await cli('grant', 'Standard', '--tenant');
    await cli('grant', 'Recorded', '--group', 'call-centre');
    await cli('grant', 'Finance', '--group', 'finance', '--rank', '1');
    await cli('grant', 'Finance', '--user', 'ceo@contoso.example');
    expect(await cli('show')).toMatch(/group #1 finance: Finance\n {2}group #2 call-centre: Recorded/);
    expect(await cli('publish', '--valid-days', '30')).toMatch(/Published serial 1 for tenant contoso.example/);
    expect(await cli('verify')).toMatch(/Valid: tenant contoso.example, serial 1/);
  });

  it('refuses bad input with a clear message and exit code', async () => {
    expect(await cliFailure('new', 'X', '--mode', 'sometimes')).toMatchObject({ code: 2, stderr: expect.stringMatching(/mode "sometimes" is not one of/) });
    expect(await cliFailure('new', 'X', '--mode', 'required', '--site', 'https://x.test/path')).toMatchObject({ code: 2 });
    expect(await cliFailure('grant', 'Nope', '--tenant')).toMatchObject({ code: 1, stderr: expect.stringMatching(/no policy "Nope"/) });
    expect(await cliFailure('remove', 'Finance')).toMatchObject({ code: 1, stderr: expect.stringMatching(/granted to group finance, user ceo/) });
    expect(await cliFailure('grant', 'Finance', '--group', 'g', '--user', 'u')).toMatchObject({ code: 2 });
    for (const verb of ['keygen', 'init', 'new', 'set', 'grant', 'remove', 'show', 'publish', 'sign', 'verify']) {
      expect(await cli(verb, '--help')).toMatch(/^Usage: tenant-policy /);
    }
  });

  it('serves the envelope with no-store and CORS *, and nothing else', async () => {
    ({ url, process: server } = await startServer('--dir', dir));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tenant-policy\.json$/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.text()).toBe(await readFile(join(dir, 'tenant-policy.json'), 'utf8'));
    expect((await fetch(new URL('/other', url))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    expect(await cli('verify', url)).toMatch(/Valid: .*serial 1/);
  });

  it('the extension modules fetch, verify and resolve it: user beats group beats tenant, with call sites', async () => {
    config = await readManagedConfig({ TenantPolicyUrl: url, TenantPolicyKey: publicKey, TenantId: 'contoso.example', E2EEMode: 'allowed' });
    expect(config.tenant.kind).toBe('configured');
    refresher = new TenantPolicyRefresher(
      { url, key: config.tenant.kind === 'configured' ? config.tenant.key : (undefined as never), tenantId: 'contoso.example' },
      { fetch: httpPolicyFetch, store: memoryStore(), now: () => clock.now },
    );
    expect(decide({ groups: [] }, 'https://meet.contoso.example').policy.source).toEqual({ kind: 'fail-closed', reason: 'pending' });
    await refresher.refresh('start');
    expect(serial()).toBe(1);
    expect(refresher.state.inForce?.verified.document.refreshMinutes).toBe(15);

    expect(decide({ groups: [] }, 'https://any.test')).toMatchObject({ policy: { mode: 'onByDefault' }, decision: { enabled: true, canToggle: true } });
    const centre = decide({ groups: ['call-centre'] }, 'https://any.test');
    expect(centre).toMatchObject({ policy: { mode: 'disabled', source: { policyName: 'Recorded' } }, decision: { enabled: false, canToggle: false } });
    const both = decide({ groups: ['call-centre', 'finance'] }, 'https://eu.calls.contoso.example');
    expect(both).toMatchObject({ policy: { mode: 'required', source: { grantedBy: { kind: 'group', group: 'finance' } } } });
    expect(both.decision).toMatchObject({ inScope: true, enabled: true, allowPlaintextFallback: false });
    expect(decide({ groups: ['finance'] }, 'https://meet.other.example').decision).toMatchObject({ inScope: false, enabled: false });
    const ceo = decide({ principal: 'CEO@contoso.example', groups: ['call-centre'] }, 'https://meet.contoso.example');
    expect(ceo).toMatchObject({ policy: { mode: 'required', source: { grantedBy: { kind: 'user' } } } });
  });

  it('applies a policy change on the next refresh', async () => {
    await cli('set', 'Recorded', '--mode', 'allowed');
    expect(await cli('show')).toMatch(/changes that are not published yet/);
    await refresher.refresh('schedule');
    expect(serial()).toBe(1); // not published: nothing changes for browsers
    await cli('publish', '--valid-days', '30');
    await refresher.refresh('user');
    expect(serial()).toBe(2);
    expect(decide({ groups: ['call-centre'] }, 'https://any.test').policy.mode).toBe('allowed');
  });

  it('refuses a rollback, a tampered signature, a malformed document and another tenant, keeping serial 3', async () => {
    const served = join(dir, 'tenant-policy.json');
    await copyFile(served, join(dir, 'serial-2.json'));
    await cli('publish', '--valid-days', '30');
    await refresher.refresh('schedule');
    expect(serial()).toBe(3);
    const serial3 = await readFile(served, 'utf8');

    await copyFile(join(dir, 'serial-2.json'), served);
    expect((await refresher.refresh('schedule')).problem?.code).toBe('rollback');

    const envelope = JSON.parse(serial3) as { payload: string };
    const forged = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    forged.serial = 4;
    forged.grants.tenant = 'Recorded';
    await writeFile(served, JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(forged)).toString('base64') }));
    expect((await refresher.refresh('schedule')).problem?.code).toBe('bad-signature');

    await writeFile(served, '{"format":"callseal-signed-policy"');
    expect((await refresher.refresh('schedule')).problem?.code).toBe('malformed');

    const other = join(dir, 'fabrikam');
    const otherCli = (...args: string[]) => run(process.execPath, [CLI, ...args, '--dir', other]);
    await otherCli('init', '--tenant', 'fabrikam.example');
    await copyFile(join(dir, 'signing-key.pem'), join(other, 'signing-key.pem'));
    for (let i = 0; i < 4; i++) await otherCli('publish'); // serial 4: newer, same key, other tenant
    await copyFile(join(other, 'tenant-policy.json'), served);
    const state = await refresher.refresh('schedule');
    expect(state.problem).toMatchObject({ code: 'wrong-tenant', message: expect.stringMatching(/fabrikam.example/) });
    expect(serial()).toBe(3);
    expect(state.failingSince).toBeDefined();
    await writeFile(served, serial3);
    expect((await refresher.refresh('schedule')).problem).toBeUndefined();
  });

  it('refuses an expired document and fails closed once the one in force has expired', async () => {
    clock.now += 31 * 86_400_000;
    expect((await refresher.refresh('schedule')).problem?.code).toBe('expired');
    expect(decide({ groups: [] }, 'https://any.test').policy).toEqual({ mode: 'required', source: { kind: 'fail-closed', reason: 'expired' } });
    clock.now -= 31 * 86_400_000;
    await refresher.refresh('schedule');
  });

  it('keeps the document in force when the server is down', async () => {
    await stopServer(server);
    const state = await refresher.refresh('schedule');
    expect(state.problem).toMatchObject({ code: 'unreachable' });
    expect(serial()).toBe(3);
    expect(decide({ groups: ['finance'] }, 'https://meet.contoso.example').policy.mode).toBe('required');
  });

  it('speaks HTTPS when given a certificate (needs openssl)', async (context) => {
    const openssl = await run('openssl', ['version']).catch(() => undefined);
    if (!openssl) return context.skip();
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
    const { url: httpsUrl } = await startServer('--dir', dir, '--cert', cert, '--key', key);
    expect(httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const ca = await readFile(cert);
    const body = await new Promise<string>((resolve, reject) => {
      get(httpsUrl, { ca }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toBe(await readFile(join(dir, 'tenant-policy.json'), 'utf8'));
  });
});
