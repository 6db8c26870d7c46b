/**
 * Issue 10 in real Chromium, two profiles through the relay: display names travel signed; "Codes match" saves the
 * peer as a contact; when the call ends and a new one starts the popup shows "Verified: Bob" without comparing;
 * when Bob resets his identity, Alice is warned ("Bob's security code has changed", a notification) and is not
 * `verified`; and a relay that takes over the next call claiming Bob's name with its own key is warned about the
 * same way. The popup passes axe-core, light and dark, in each state it reaches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllCalls, type Call, type Participant, type Popup } from '../support/call';
import { axeViolationsInBothThemes } from '../support/axe';
import { createHandshakeMitm, type HandshakeMitm } from '../support/handshake-mitm';
import { startRelay, type Relay } from '../support/relay';
import { waitFor } from '../support/wait';
import { startEncryptedCall } from './helpers';

const text = (popup: Popup, testId: string): Promise<string | undefined> =>
  popup.page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? undefined, testId);

/** Sets a participant's own display name through its popup (the form under "Your name"). */
async function setOwnName(popup: Popup, name: string): Promise<void> {
  await popup.page.evaluate((value) => {
    const field = document.querySelector<HTMLInputElement>('[data-testid="own-name"]');
    if (!field?.form) throw new Error('no own-name field');
    field.value = value;
    field.form.requestSubmit();
  }, name);
  await waitFor(() => popup.page.evaluate((value) => document.querySelector<HTMLInputElement>('[data-testid="own-name"]')?.value === value, name), {
    message: `the popup to show the own name ${name}`,
  });
}

/** The participant leaves the call (the demo's landing page), and comes back. */
async function leave(p: Participant, call: Call): Promise<void> {
  await p.page.goto(call.server.url('/'));
}
async function rejoin(p: Participant): Promise<void> {
  await p.page.goto(p.url);
}

async function resetIdentity(p: Participant): Promise<void> {
  const page = await p.browser.newPage();
  try {
    await page.goto(`chrome-extension://${p.browser.extensionId}/src/options/index.html`);
    await waitFor(() => page.$('[data-testid="reset-identity"]'), { message: 'the options page' });
    const before = await page.$eval('[data-testid="own-fingerprint"]', (el) => el.textContent);
    await page.$eval('[data-testid="reset-identity"]', (el) => (el as HTMLElement).click());
    await page.waitForSelector('[data-testid="reset-warning"]');
    await page.$eval('[data-testid="reset-confirm"]', (el) => (el as HTMLElement).click());
    await waitFor(
      async () => (await page.$eval('[data-testid="own-fingerprint"]', (el) => el.textContent)) !== before,
      { message: 'a new fingerprint on the options page' },
    );
  } finally {
    await page.close();
  }
}

async function notifications(p: Participant): Promise<string[]> {
  const worker = await p.browser.serviceWorker();
  return worker.evaluate(async () => Object.keys(await chrome.notifications.getAll()));
}

describe('contacts and key-change warnings', () => {
  let relay: Relay;
  let mitm: HandshakeMitm | undefined;
  let call: Call;
  let alicePopup: Popup;
  let bobPopup: Popup;

  beforeAll(async () => {
    relay = await startRelay({ mitm: (frame) => (mitm ? mitm.rewrite(frame) : frame.payload) });
    ({ call, alicePopup, bobPopup } = await startEncryptedCall({ topology: 'single', relay }));

  }, 60_000);

  afterAll(async () => {
    await closeAllCalls();
    await relay?.close();
    mitm?.dispose();
  });

  it('shows the peer’s signed name as a claim; Codes match saves the contact; a later call is "Verified: Bob"', async () => {
    await Promise.all([setOwnName(alicePopup, 'Alice'), setOwnName(bobPopup, 'Bob')]);
    // Names go into CONFIRMs made from now on: Bob rejoins, a new key exchange.
    await leave(call.bob, call);
    await rejoin(call.bob);
    await waitFor(async () => (await text(alicePopup, 'peer-claim'))?.includes('“Bob”'), {
      timeout: 30_000,
      message: "Alice's popup to show Bob's claimed name",
    });
    expect(await alicePopup.state()).toBe('encrypted');
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);

    await alicePopup.page.$eval('[data-testid="mark-verified"]', (el) => (el as HTMLElement).click());
    await alicePopup.waitForState('verified', 5_000);
    expect(await text(alicePopup, 'call-state')).toBe('Verified: Bob');
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);

    // The call ends; the next one is verified without comparing.
    await leave(call.bob, call);
    await alicePopup.waitForState('off', 20_000);
    await rejoin(call.bob);
    await alicePopup.waitForState('verified', 30_000);
    expect(await text(alicePopup, 'call-state')).toBe('Verified: Bob');
  }, 120_000);

  it('Bob resets his identity: Alice is warned, by name and by notification, and is not verified', async () => {
    await leave(call.bob, call);
    await alicePopup.waitForState('off', 20_000);
    await resetIdentity(call.bob);
    const before = await notifications(call.alice);
    await rejoin(call.bob);
    await alicePopup.waitForState('identity-changed', 30_000);
    expect(await text(alicePopup, 'call-state')).toBe("Bob's security code has changed");
    expect(await alicePopup.page.$eval('[data-testid="call-warning"]', (el) => el.getAttribute('data-warning'))).toBe(
      'contact-key-changed',
    );
    const after = await waitFor(async () => {
      const now = await notifications(call.alice);
      return now.length > before.length ? now : undefined;
    }, { message: 'a notification in Alice’s browser' });
    expect(after.length).toBe(before.length + 1);
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);
    // It holds: never verified until Alice compares again.
    for (let i = 0; i < 8; i++) {
      expect(await alicePopup.state()).toBe('identity-changed');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 90_000);

  it('a relay that claims the name of Alice’s contact with its own key is warned about', async () => {
    // Alice confirms Bob's new key first, so the contact "Bob" is Bob's current identity.
    await alicePopup.page.$eval('[data-testid="mark-verified"]', (el) => (el as HTMLElement).click());
    await alicePopup.waitForState('verified', 5_000);
    await leave(call.bob, call);
    await alicePopup.waitForState('off', 20_000);

    // CallSeal's own session in Node, with an identity of the relay's, claiming the name "Bob" (signed, §4.5).
    mitm = await createHandshakeMitm({ displayName: 'Bob' });
    await rejoin(call.bob);
    await alicePopup.waitForState('identity-changed', 30_000);
    expect(await text(alicePopup, 'call-state')).toBe("Bob's security code has changed");
    expect(await text(alicePopup, 'peer-claim')).toContain('“Bob”');
    expect(mitm.counts.rewritten).toBeGreaterThan(0);
  }, 90_000);
});
