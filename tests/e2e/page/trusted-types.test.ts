/**
 * Pages that enforce Trusted Types (CSP `require-trusted-types-for 'script'`, as many large web apps do): a
 * `new Worker(url)` with a plain string is refused there, or — when the page made a `default` policy — handed to the
 * page's own code, which may return any URL it likes (protocol.md §7.3). CallSeal's transform worker must start on
 * such pages with a URL only CallSeal's own policy vouched for: never through the page's default policy, which would
 * let the page choose the code that gets the bridge's port (its signatures and its reports).
 *
 * A call of two through the demo app, served with that CSP, both sides with CallSeal switched on.
 */
import type { Page } from 'puppeteer';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Participant } from '../support/call';
import { expectEachSeesTheOther } from '../call/helpers';

const ENFORCED = { 'content-security-policy': "require-trusted-types-for 'script'" };

/** The page's own default policy, made before any other script: it records every URL it is asked about. */
const DEFAULT_POLICY = `window.askedDefault = [];
trustedTypes.createPolicy('default', { createScriptURL: (url) => (window.askedDefault.push(String(url)), url) });`;

afterEach(async () => {
  await closeAllCalls();
});

async function encryptedBoth(participants: Participant[]): Promise<void> {
  await Promise.all(
    participants.map(async (p) => {
      const popup = await p.popup();
      await popup.waitForState('encrypted', 30_000);
    }),
  );
}

describe('a page that enforces Trusted Types', () => {
  it('runs the transform worker: the call is encrypted, and each side sees the other', async () => {
    const call = await startCall({ pageHeaders: ENFORCED, alice: { withExtension: true, e2ee: true }, bob: { withExtension: true, e2ee: true } });
    await encryptedBoth([call.alice, call.bob]);
    await expectEachSeesTheOther(call);
  });

  it("with its own default policy: encrypted, and the page's policy is never asked about CallSeal's worker", async () => {
    const withDefaultPolicy = { withExtension: true, e2ee: true, beforeCall: async (_b: unknown, page: Page) => void (await page.evaluateOnNewDocument(DEFAULT_POLICY)) };
    const call = await startCall({ pageHeaders: ENFORCED, alice: withDefaultPolicy, bob: withDefaultPolicy });
    await encryptedBoth([call.alice, call.bob]);
    for (const p of [call.alice, call.bob]) {
      expect(await p.page.evaluate(() => (window as unknown as { askedDefault: string[] }).askedDefault)).toEqual([]);
    }
  });

  it('that allows only its own default policy: CallSeal says it cannot run here, and still never asks that policy', async () => {
    // CallSeal cannot make a policy of its own; a plain string would go through the page's default policy.
    const onlyDefault = { 'content-security-policy': "require-trusted-types-for 'script'; trusted-types default" };
    const withDefaultPolicy = { withExtension: true, e2ee: true, beforeCall: async (_b: unknown, page: Page) => void (await page.evaluateOnNewDocument(DEFAULT_POLICY)) };
    const call = await startCall({ pageHeaders: onlyDefault, alice: withDefaultPolicy, bob: withDefaultPolicy });
    for (const p of [call.alice, call.bob]) {
      const popup = await p.popup();
      await popup.waitForState('error', 30_000);
      expect(await p.page.evaluate(() => (window as unknown as { askedDefault: string[] }).askedDefault)).toEqual([]);
    }
  });
});
