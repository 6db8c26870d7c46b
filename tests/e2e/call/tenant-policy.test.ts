/**
 * The tenant policy end to end: the reference service (tools/tenant-policy/server.mjs) on 127.0.0.1 serves a
 * document the admin CLI made and signed; CallSeal, force-installed on two fresh profiles with TenantPolicyUrl,
 * TenantPolicyKey, TenantId, UserPrincipal and UserGroups in the managed policy folder, fetches it from its service
 * worker (no host permission: the service's CORS header is what lets it read the answer) and applies it to a call
 * in progress — without a reload — as the admin changes grants: tenant, then group (precedence). Then every way a
 * refresh can fail leaves the policy in force, and the call encrypted, and the popup says why: a tampered signature,
 * a malformed document, a rollback, another tenant's document, the server down. Last, a user grant beats the group
 * grant and turns encryption off in the call in progress, and a policy limited to other call sites says so.
 *
 * One call for the whole file; its steps run in order. Alice's popup clicks "Refresh" after each publish (the
 * periodic refresh is an hour away); Bob's too where both sides must change.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Call, type Popup } from '../support/call';
import { deployForceInstalled, type ForceInstall } from '../support/force-install';
import { waitForManagedPolicy } from '../support/policy-evidence';
import { waitFor } from '../support/wait';
import { expectEachSeesTheOther, waitForCopies } from './helpers';
import {
  clickRefresh,
  expectSealedFromTheFirstFrame,
  firstSealed,
  policyLines,
  switchState,
  waitForPolicyLine,
  waitForState,
} from './policy-helpers';

const run = promisify(execFile);
const TOOLS = new URL('../../../tools/tenant-policy/', import.meta.url).pathname;

let dir: string;
let served: string;
let url: string;
let server: ChildProcess | undefined;
let deployment: ForceInstall | undefined;
let call: Call;
let alicePopup: Popup;
let bobPopup: Popup;

const cli = async (...args: string[]): Promise<string> =>
  (await run(process.execPath, [join(TOOLS, 'cli.mjs'), ...args, '--dir', dir])).stdout;

/** Starts the reference service on a free port of 127.0.0.1 (the same port again when given). */
async function startServer(port = 0): Promise<string> {
  const child = spawn(process.execPath, [join(TOOLS, 'server.mjs'), '--dir', dir, '--port', String(port), '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  server = child;
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tenant server exited with ${code}`)));
    lines.once('line', (line) => resolve(/^listening on (\S+)/.exec(line)?.[1] ?? ''));
  });
}

async function stopServer(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Publishes, and has the given popups fetch at once. */
async function publishAndRefresh(...popups: Popup[]): Promise<void> {
  await cli('publish', '--valid-days', '30');
  for (const popup of popups) await clickRefresh(popup);
}

/** How long Chromium may take to deliver the policy to a fresh profile (docs/admin.md §3.9). */
const DELIVERY_MS = 170_000;

const callId = async (): Promise<number> => (await call.alice.demo()).callId;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callseal-tenant-e2e-'));
  served = join(dir, 'tenant-policy.json');
  const publicKey = /TenantPolicyKey: (\S+)/.exec(await cli('keygen'))?.[1] ?? '';
  await cli('init', '--tenant', 'contoso.example');
  await cli('new', 'Standard', '--mode', 'onByDefault');
  await cli('new', 'Finance', '--mode', 'required', '--site', 'http://127.0.0.1');
  await cli('new', 'Recorded', '--mode', 'disabled');
  await cli('new', 'Meetings', '--mode', 'required', '--site', 'https://meet.contoso.example');
  await cli('grant', 'Standard', '--tenant');
  await cli('publish', '--valid-days', '30');
  url = await startServer();
  deployment = await deployForceInstalled({
    TenantPolicyUrl: url,
    TenantPolicyKey: publicKey,
    TenantId: 'contoso.example',
    UserPrincipal: 'alice@contoso.example',
    UserGroups: ['finance'],
  });
  const id = deployment.extensionId;
  const policyFile = deployment.policy.file;
  call = await startCall({ topology: 'single', alice: { forceInstalled: id }, bob: { forceInstalled: id } });
  // Chromium delivers a force-installed extension's managed policy on its own schedule (seconds on a quiet machine,
  // minutes once on a busy one): wait for that delivery first, on the event, so a failure says which layer failed —
  // the browser that never delivered (with chrome://policy and its log), or CallSeal that did not act on it.
  const delivered = await Promise.all(
    [call.alice, call.bob].map((p) =>
      waitForManagedPolicy(p.browser, { timeout: DELIVERY_MS, policyFile }).catch((error: unknown) => {
        throw new Error(`${p.name}: ${(error as Error).message}`);
      }),
    ),
  );
  for (const managed of delivered) expect(managed).toMatchObject({ TenantPolicyUrl: url, TenantId: 'contoso.example' });
  [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
}, 150_000 + DELIVERY_MS);

afterAll(async () => {
  try {
    await closeAllCalls();
  } finally {
    await stopServer();
    await deployment?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

describe('a tenant policy from the reference service, applied to a call in progress', () => {
  it('the tenant grant (Standard, onByDefault) encrypts the call from its first frame', async () => {
    await Promise.all([waitForState(alicePopup, 'encrypted', 30_000), waitForState(bobPopup, 'encrypted', 30_000)]);
    await expectEachSeesTheOther(call);
    await waitForPolicyLine(alicePopup, /^Your organization's policy “Standard” \(for everyone in your organization\) turns end-to-end encrypted calls on by default/);
    expect(await switchState(alicePopup)).toEqual({ on: true, locked: false });
    expect(await alicePopup.page.$('[data-testid="policy-refresh"]')).not.toBeNull();
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectSealedFromTheFirstFrame(call, sender);
  }, 150_000);

  it('a group grant beats the tenant grant (Finance, required, on its call site 127.0.0.1)', async () => {
    await cli('grant', 'Finance', '--group', 'finance');
    await publishAndRefresh(alicePopup);
    await waitForPolicyLine(alicePopup, /^Your organization's policy “Finance” \(assigned to your group finance\) requires end-to-end encrypted calls/);
    expect(await switchState(alicePopup)).toEqual({ on: true, locked: true });
    expect(await alicePopup.state()).toBe('encrypted');
  }, 60_000);

});

describe('refreshes that fail keep the policy in force (Finance, the call encrypted), and the popup says why', () => {
  let good: string;
  let older: string;
  const refused = (reason: string) =>
    new RegExp(`^Could not refresh your organization's policy since .+: the server's document was refused because ${reason}\\.$`);

  beforeAll(async () => {
    older = join(dir, 'older.json');
    await copyFile(served, older);
    await cli('set', 'Standard', '--description', 'serial bump');
    await publishAndRefresh(alicePopup);
    good = await readFile(served, 'utf8');
  });

  async function expectStillFinance(): Promise<void> {
    const lines = await policyLines(alicePopup);
    expect(lines[0]).toMatch(/^Your organization's policy “Finance” \(assigned to your group finance\) requires/);
    expect(lines.at(-1)).toMatch(/^The policy of .+ \(serial \d+\) stays in force\.$/);
    expect(await switchState(alicePopup)).toEqual({ on: true, locked: true });
    expect(await alicePopup.state()).toBe('encrypted');
  }

  it('a tampered signature', async () => {
    const envelope = JSON.parse(good) as { payload: string };
    const forged = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    forged.serial += 1;
    forged.grants.groups = [];
    forged.grants.tenant = 'Recorded';
    await writeFile(served, JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(forged)).toString('base64') }));
    await clickRefresh(alicePopup);
    await waitForPolicyLine(alicePopup, refused('its signature is not valid'));
    await expectStillFinance();
  }, 60_000);

  it('a malformed document', async () => {
    await writeFile(served, '{"format":"callseal-signed-policy"');
    await clickRefresh(alicePopup);
    await waitForPolicyLine(alicePopup, refused('it is not a valid policy document'));
    await expectStillFinance();
  }, 60_000);

  it('a rollback to an older document', async () => {
    await copyFile(older, served);
    await clickRefresh(alicePopup);
    await waitForPolicyLine(alicePopup, refused('it is older than the policy in force'));
    await expectStillFinance();
  }, 60_000);

  it('another tenant’s document signed with the same key', async () => {
    const other = join(dir, 'fabrikam');
    const otherCli = (...args: string[]) => run(process.execPath, [join(TOOLS, 'cli.mjs'), ...args, '--dir', other]);
    await otherCli('init', '--tenant', 'fabrikam.example');
    await copyFile(join(dir, 'signing-key.pem'), join(other, 'signing-key.pem'));
    await otherCli('publish'); // the tenant is checked before the serial (docs/admin.md §3.5)
    await copyFile(join(other, 'tenant-policy.json'), served);
    await clickRefresh(alicePopup);
    await waitForPolicyLine(alicePopup, refused('it is for another organization'));
    await expectStillFinance();
  }, 150_000);

  it('the server down, then back', async () => {
    const port = Number(new URL(url).port);
    await stopServer();
    await clickRefresh(alicePopup);
    await waitForPolicyLine(alicePopup, /^Could not refresh your organization's policy since .+ \(the server could not be reached\)\.$/);
    await expectStillFinance();

    await writeFile(served, good);
    await startServer(port);
    await clickRefresh(alicePopup);
    await waitFor(async () => !(await policyLines(alicePopup)).some((line) => line.startsWith('Could not refresh')), {
      timeout: 15_000,
      message: 'the failure to clear once the server answers again',
    });
  }, 60_000);
});

describe('later changes reach the call in progress', () => {
  it('a user grant beats the group grant, and a change to disabled reaches the call without a reload', async () => {
    const before = await callId();
    await cli('grant', 'Recorded', '--user', 'alice@contoso.example');
    await publishAndRefresh(alicePopup, bobPopup);
    await waitForPolicyLine(alicePopup, /^Your organization's policy “Recorded” \(assigned to you\) turns end-to-end encrypted calls off\.$/);
    expect(await switchState(alicePopup)).toEqual({ on: false, locked: true });
    await Promise.all([waitForState(alicePopup, 'off', 15_000), waitForState(bobPopup, 'off', 15_000)]);
    // The same call goes on, now in clear: once the frames in flight are through, nothing the relay copies carries
    // CallSeal's trailer, and each side sees the other.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    call.relay!.clearCopies();
    await expectEachSeesTheOther(call);
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) expect(firstSealed(call, sender), sender.name).toEqual({ video: -1, audio: -1 });
    expect(await callId()).toBe(before);
  }, 150_000);

  it('a policy limited to other call sites turns CallSeal off on this one, and says so', async () => {
    await cli('grant', 'Meetings', '--user', 'alice@contoso.example');
    await publishAndRefresh(alicePopup);
    await waitForPolicyLine(alicePopup, /^Your organization's policy “Meetings” limits CallSeal to its call sites; CallSeal is off on this site\.$/);
    expect(await switchState(alicePopup)).toEqual({ on: false, locked: true });
  }, 60_000);
});
