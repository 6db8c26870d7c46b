/**
 * Each E2EEMode in a real two-profile call through the relay, with CallSeal force-installed the way admins deploy
 * it (a CRX served from 127.0.0.1, ExtensionInstallForcelist and CallSeal's keys in /etc/chromium/policies/managed,
 * fresh profiles): what the relay receives, frame by frame from the first, and what the popup shows. `required`
 * against a peer without CallSeal: the relay never receives one decodable frame from the CallSeal side — the first
 * day of every employee, when the policy arrives only after the extension has started (issue 9).
 *
 * One CRX for the file; the policy file is rewritten (atomically) before each call's browsers start, and removed at
 * the end. Chromium hands a force-installed extension its policy some seconds after install, more than 2 minutes
 * once on this busy two-core machine (docs/admin.md §3.9); every frame is held meanwhile. Each call therefore waits
 * for that delivery first, on the event (`storage.onChanged`), and only then for the popup's state, so a failure
 * says whether the browser never delivered or CallSeal did not act on what it delivered.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Call } from '../support/call';
import { deployForceInstalled, type ForceInstall } from '../support/force-install';
import { policyEvidence, waitForManagedPolicy } from '../support/policy-evidence';
import { expectEachSeesTheOther, waitForCopies } from './helpers';
import {
  expectPlainFromTheFirstFrame,
  expectSealedFromTheFirstFrame,
  policyLines,
  switchState,
  waitForPolicyLine,
  waitForState,
} from './policy-helpers';

let deployment: ForceInstall;

beforeAll(async () => {
  deployment = await deployForceInstalled({ E2EEMode: 'allowed' });
}, 120_000);

afterAll(async () => {
  await closeAllCalls();
  await deployment?.close();
});

afterEach(() => closeAllCalls());

/** How long Chromium may take to deliver the policy to a fresh profile (docs/admin.md §3.9). */
const DELIVERY_MS = 170_000;
/** How long a popup may take to show a state once the policy is there: a call on a busy two-core machine. */
const STATE_MS = 90_000;

const withCallSeal = (call: Call) => [call.alice, call.bob].filter((p) => p.browser.extensionId !== undefined);

/**
 * Starts the call as an employee's first day does (the call page loads while the policy may still be on its way),
 * then waits until the browser has delivered the policy to each CallSeal. A failure says which layer failed: the
 * browser that never delivered, or CallSeal that did not act on what was delivered (`explained`).
 */
async function callUnder(mode: string, bobHasCallSeal = true): Promise<Call> {
  await deployment.setExtensionPolicy({ E2EEMode: mode });
  const id = deployment.extensionId;
  const call = await startCall({
    topology: 'single',
    alice: { forceInstalled: id },
    bob: bobHasCallSeal ? { forceInstalled: id } : { withExtension: false },
  });
  const delivered = await Promise.all(
    withCallSeal(call).map((p) =>
      waitForManagedPolicy(p.browser, { timeout: DELIVERY_MS, policyFile: deployment.policy.file }).catch((error: unknown) => {
        throw new Error(`${p.name}: ${(error as Error).message}`);
      }),
    ),
  );
  for (const managed of delivered) expect(managed).toEqual({ E2EEMode: mode });
  return call;
}

/** `wait`, and when it fails, what each CallSeal browser knows about its policy (support/policy-evidence.ts). */
async function explained<T>(call: Call, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const evidence = await Promise.all(
      withCallSeal(call).map(async (p) => `${p.name}: ${await policyEvidence(p.browser, deployment.policy.file)}`),
    );
    throw new Error(`${(error as Error).message}\n${evidence.join('\n')}`);
  }
}

// Chromium delivers a force-installed extension's managed policy on its own schedule: seconds on a quiet machine,
// more than two minutes once on a busy one, and on one busy run not within the three minutes CallSeal holds media
// for it (docs/admin.md §3.9). A call that never sees its policy is retried once on fresh profiles; what each
// attempt asserts is unchanged, and a failure reports chrome://policy, its log and CallSeal's storage.
describe('each mode, force-installed on fresh profiles, both with CallSeal', { retry: 1 }, () => {
  it('is installed by policy: installType admin, and the managed keys arrive', async () => {
    // callUnder() has waited until each browser delivered { E2EEMode: 'required' } to storage.managed.
    const call = await callUnder('required');
    const worker = await call.alice.browser.serviceWorker();
    expect(await worker.evaluate(async () => (await chrome.management.getSelf()).installType)).toBe('admin');
    expect(deployment.downloads()).toBeGreaterThanOrEqual(2);
  }, 360_000);

  it('disabled: the switch is locked off, and every frame goes in clear', async () => {
    const call = await callUnder('disabled');
    await explained(call, call.waitUntilConnected(STATE_MS));
    await expectEachSeesTheOther(call);
    const popup = await call.alice.popup();
    await waitForPolicyLine(popup, /^Your organization has turned off end-to-end encrypted calls\.$/);
    expect(await switchState(popup)).toEqual({ on: false, locked: true });
    expect(await popup.state()).toBe('off');
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectPlainFromTheFirstFrame(call, sender);
  }, 360_000);

  it('allowed: the switch is the user’s and off, nothing is said, and every frame goes in clear', async () => {
    const call = await callUnder('allowed');
    await explained(call, call.waitUntilConnected(STATE_MS));
    await expectEachSeesTheOther(call);
    const popup = await call.alice.popup();
    await popup.waitForToggle();
    expect(await switchState(popup)).toEqual({ on: false, locked: false });
    expect(await policyLines(popup)).toEqual([]);
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectPlainFromTheFirstFrame(call, sender);
  }, 360_000);

  it('onByDefault: on without a click, the user may turn it off; encrypted from the first frame', async () => {
    const call = await callUnder('onByDefault');
    const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
    await explained(
      call,
      Promise.all([waitForState(alicePopup, 'encrypted', STATE_MS), waitForState(bobPopup, 'encrypted', STATE_MS)]),
    );
    await expectEachSeesTheOther(call);
    await waitForPolicyLine(alicePopup, /turns end-to-end encrypted calls on by default; you may turn them off/);
    expect(await switchState(alicePopup)).toEqual({ on: true, locked: false });
    expect(await alicePopup.securityCode()).toBe(await bobPopup.securityCode());
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectSealedFromTheFirstFrame(call, sender);
  }, 360_000);

  it('required: locked on; encrypted from the first frame', async () => {
    const call = await callUnder('required');
    const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
    await explained(
      call,
      Promise.all([waitForState(alicePopup, 'encrypted', STATE_MS), waitForState(bobPopup, 'encrypted', STATE_MS)]),
    );
    await expectEachSeesTheOther(call);
    await waitForPolicyLine(alicePopup, /requires end-to-end encrypted calls: calls that cannot be encrypted are blocked/);
    expect(await switchState(alicePopup)).toEqual({ on: true, locked: true });
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectSealedFromTheFirstFrame(call, sender);
  }, 360_000);
});

describe('required against a peer without CallSeal, on a fresh force-installed profile', () => {
  it('the relay never receives a decodable frame from the CallSeal side; its popup says blocked', async () => {
    const call = await callUnder('required', false);
    const popup = await call.alice.popup();
    await explained(call, waitForState(popup, 'blocked', STATE_MS));
    expect(await switchState(popup)).toEqual({ on: true, locked: true });
    await waitForCopies(call);
    await expectSealedFromTheFirstFrame(call, call.alice);
    // Bob's frames still reach Alice's browser, and none is played.
    const played = () =>
      call.alice.page.$eval('#remote-video', (v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
    expect(await played()).toBe(0);
  }, 360_000);
});
