/**
 * Each E2EEMode in a real two-profile call through the relay, with CallSeal force-installed the way admins deploy
 * it (a CRX served from 127.0.0.1, ExtensionInstallForcelist and CallSeal's keys in /etc/chromium/policies/managed,
 * fresh profiles): what the relay receives, frame by frame from the first, and what the popup shows. `required`
 * against a peer without CallSeal: the relay never receives one decodable frame from the CallSeal side — the first
 * day of every employee, when the policy arrives only after the extension has started (issue 9).
 *
 * One CRX for the file; the policy file is rewritten before each call's browsers start, and removed at the end.
 * Chromium hands a force-installed extension its policy anywhere from 1 s to more than 2 minutes after install on
 * this two-core machine (docs/admin.md §3.9); every frame is held meanwhile, so the waits here are that long.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Call } from '../support/call';
import { deployForceInstalled, type ForceInstall } from '../support/force-install';
import { waitFor } from '../support/wait';
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

async function callUnder(mode: string, bobHasCallSeal = true): Promise<Call> {
  await deployment.setExtensionPolicy({ E2EEMode: mode });
  const id = deployment.extensionId;
  return startCall({
    topology: 'single',
    alice: { forceInstalled: id },
    bob: bobHasCallSeal ? { forceInstalled: id } : { withExtension: false },
  });
}

// Chromium delivers a force-installed extension's managed policy on its own schedule: seconds on a quiet machine,
// more than two minutes once on a busy one, and on one busy run not within the three minutes CallSeal holds media
// for it (docs/admin.md §3.9). A call that never sees its policy is retried once on fresh profiles; what each
// attempt asserts is unchanged.
describe('each mode, force-installed on fresh profiles, both with CallSeal', { retry: 1 }, () => {
  it('is installed by policy: installType admin, and the managed keys arrive', async () => {
    const call = await callUnder('required');
    const worker = await call.alice.browser.serviceWorker();
    expect(await worker.evaluate(async () => (await chrome.management.getSelf()).installType)).toBe('admin');
    // Delivered some seconds after the service worker started (docs/admin.md §3.9).
    const managed = await waitFor(
      async () => {
        const value = await worker.evaluate(() => chrome.storage.managed.get(null));
        return Object.keys(value).length > 0 ? value : undefined;
      },
      { timeout: 60_000, message: 'the managed policy to arrive' },
    );
    expect(managed).toEqual({ E2EEMode: 'required' });
    expect(deployment.downloads()).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('disabled: the switch is locked off, and every frame goes in clear', async () => {
    const call = await callUnder('disabled');
    // Until the policy arrives every frame is held: the pictures show only then (docs/admin.md §3.9).
    await call.waitUntilConnected(180_000);
    await expectEachSeesTheOther(call);
    const popup = await call.alice.popup();
    await waitForPolicyLine(popup, /^Your organization has turned off end-to-end encrypted calls\.$/);
    expect(await switchState(popup)).toEqual({ on: false, locked: true });
    expect(await popup.state()).toBe('off');
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectPlainFromTheFirstFrame(call, sender);
  }, 300_000);

  it('allowed: the switch is the user’s and off, nothing is said, and every frame goes in clear', async () => {
    const call = await callUnder('allowed');
    await call.waitUntilConnected(180_000);
    await expectEachSeesTheOther(call);
    const popup = await call.alice.popup();
    await popup.waitForToggle();
    expect(await switchState(popup)).toEqual({ on: false, locked: false });
    expect(await policyLines(popup)).toEqual([]);
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectPlainFromTheFirstFrame(call, sender);
  }, 300_000);

  it('onByDefault: on without a click, the user may turn it off; encrypted from the first frame', async () => {
    const call = await callUnder('onByDefault');
    const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
    await Promise.all([waitForState(alicePopup, 'encrypted', 170_000), waitForState(bobPopup, 'encrypted', 170_000)]);
    await expectEachSeesTheOther(call);
    await waitForPolicyLine(alicePopup, /turns end-to-end encrypted calls on by default; you may turn them off/);
    expect(await switchState(alicePopup)).toEqual({ on: true, locked: false });
    expect(await alicePopup.securityCode()).toBe(await bobPopup.securityCode());
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectSealedFromTheFirstFrame(call, sender);
  }, 300_000);

  it('required: locked on; encrypted from the first frame', async () => {
    const call = await callUnder('required');
    const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
    await Promise.all([waitForState(alicePopup, 'encrypted', 170_000), waitForState(bobPopup, 'encrypted', 170_000)]);
    await expectEachSeesTheOther(call);
    await waitForPolicyLine(alicePopup, /requires end-to-end encrypted calls: calls that cannot be encrypted are blocked/);
    expect(await switchState(alicePopup)).toEqual({ on: true, locked: true });
    await waitForCopies(call);
    for (const sender of [call.alice, call.bob]) await expectSealedFromTheFirstFrame(call, sender);
  }, 300_000);
});

describe('required against a peer without CallSeal, on a fresh force-installed profile', () => {
  it('the relay never receives a decodable frame from the CallSeal side; its popup says blocked', async () => {
    const call = await callUnder('required', false);
    const popup = await call.alice.popup();
    await waitForState(popup, 'blocked', 170_000);
    expect(await switchState(popup)).toEqual({ on: true, locked: true });
    await waitForCopies(call);
    await expectSealedFromTheFirstFrame(call, call.alice);
    // Bob's frames still reach Alice's browser, and none is played.
    const played = () =>
      call.alice.page.$eval('#remote-video', (v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
    expect(await played()).toBe(0);
  }, 300_000);
});
