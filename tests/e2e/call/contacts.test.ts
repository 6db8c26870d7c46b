/**
 * Issue 10 in real Chromium, two profiles: display names travel signed; "Codes match" saves the peer as a contact;
 * when the call ends and a new one starts the popup shows "Verified: Bob" without comparing; when Bob resets his
 * identity, Alice is warned ("Bob's security code has changed", a notification) and is not `verified`; and a relay
 * that claims Bob's name with its own key is warned about the same way. The popup passes axe-core, light and dark,
 * in each state it reaches.
 *
 * The first two parts need no relay and run over a p2p call (quicker and steadier on a loaded machine); the last
 * moves the same two browsers, with their contacts and identities, to a call through a relay that is a man in the
 * middle. Every popup state change is recorded, so a failure says what Alice's popup went through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../../demo/server.mjs';
import { closeAllCalls, type Call, type Participant, type Popup } from '../support/call';
import { axeViolationsInBothThemes } from '../support/axe';
import { createHandshakeMitm, type HandshakeMitm } from '../support/handshake-mitm';
import { startRelay, type Relay } from '../support/relay';
import { waitFor } from '../support/wait';
import { startEncryptedCall } from './helpers';

const text = (popup: Popup, testId: string): Promise<string | undefined> =>
  popup.page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? undefined, testId);

/**
 * Records every state the popup shows (with its detail and whether "Codes match" is offered), from a
 * MutationObserver in the popup page: `states()` returns them in order, `since(mark)` those after a mark.
 */
async function recordStates(popup: Popup): Promise<{ states(): Promise<string[]>; mark(): Promise<number> }> {
  await popup.page.evaluate(() => {
    const w = window as unknown as { __states?: string[] };
    if (w.__states) return;
    const states: string[] = [];
    w.__states = states;
    const note = () => {
      const el = document.querySelector('[data-testid="call-state"]');
      const detail = document.querySelector('[data-testid="call-detail"]')?.textContent ?? '';
      const button = document.querySelector('[data-testid="mark-verified"]') ? ' [Codes match]' : '';
      const entry = `${el?.getAttribute('data-state') ?? 'none'}${detail ? ` (${detail})` : ''}${button}`;
      if (states.at(-1) !== entry) states.push(entry);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  return {
    states: () => popup.page.evaluate(() => [...((window as unknown as { __states?: string[] }).__states ?? [])]),
    mark: () => popup.page.evaluate(() => (window as unknown as { __states?: string[] }).__states?.length ?? 0),
  };
}

/** Sets a participant's own display name through its popup (the form under "Your name"). */
async function setOwnName(popup: Popup, name: string): Promise<void> {
  await popup.page.evaluate((value) => {
    const field = document.querySelector<HTMLInputElement>('[data-testid="own-name"]');
    if (!field?.form) throw new Error('no own-name field');
    field.value = value;
    field.form.requestSubmit();
  }, name);
  await waitFor(
    () =>
      popup.page.evaluate((value) => document.querySelector('.own-name summary')?.textContent?.endsWith(`: ${value}`), name),
    { message: `the popup to show the own name ${name}` },
  );
}

/** Clicks "Codes match" once the popup offers it (enabled), and waits for `verified`. */
async function codesMatch(popup: Popup, timeout = 30_000): Promise<void> {
  const selector = '[data-testid="mark-verified"]:not([disabled])';
  await popup.page.waitForSelector(selector, { timeout });
  await popup.page.$eval(selector, (el) => (el as HTMLElement).click());
  await popup.waitForState('verified', timeout);
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
    await page.waitForSelector('[data-testid="reset-identity"]');
    const before = await page.$eval('[data-testid="own-fingerprint"]', (el) => el.textContent);
    await page.$eval('[data-testid="reset-identity"]', (el) => (el as HTMLElement).click());
    await page.waitForSelector('[data-testid="reset-warning"]');
    await page.$eval('[data-testid="reset-confirm"]', (el) => (el as HTMLElement).click());
    await page.waitForFunction(
      (old) => document.querySelector('[data-testid="own-fingerprint"]')?.textContent !== old,
      {},
      before,
    );
  } finally {
    await page.close();
    await p.page.bringToFront(); // a call page in the background stops rendering video
  }
}

async function notifications(p: Participant): Promise<string[]> {
  const worker = await p.browser.serviceWorker();
  return worker.evaluate(async () => Object.keys(await chrome.notifications.getAll()));
}

async function waitForNewNotification(p: Participant, before: string[]): Promise<string[]> {
  return waitFor(
    async () => {
      const now = await notifications(p);
      return now.length > before.length ? now : undefined;
    },
    { timeout: 15_000, message: `a notification in ${p.name}'s browser` },
  );
}

/** Frames Alice's popup counted as decrypted in the call shown (its details, folded but rendered). */
async function decrypted(popup: Popup): Promise<number> {
  return Number(await popup.page.evaluate(() => document.querySelector('[data-counter="decrypted"]')?.textContent ?? '0'));
}

describe('contacts and key-change warnings', () => {
  let call: Call;
  let alicePopup: Popup;
  let bobPopup: Popup;
  let aliceStates: Awaited<ReturnType<typeof recordStates>>;
  let relay: Relay | undefined;
  let relayServer: DemoServer | undefined;
  let mitm: HandshakeMitm | undefined;

  /** Fails with what Alice's popup went through. */
  async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const states = await aliceStates?.states().catch(() => ['(popup gone)']);
      throw new Error(`${what}: ${(error as Error).message}\n  Alice's popup showed: ${states?.join(' → ')}`, { cause: error });
    }
  }

  beforeAll(async () => {
    ({ call, alicePopup, bobPopup } = await startEncryptedCall({ topology: 'p2p' }));
    aliceStates = await recordStates(alicePopup);
  }, 120_000);

  afterAll(async () => {
    await closeAllCalls();
    await relayServer?.close();
    await relay?.close();
    mitm?.dispose();
  });

  it('shows the peer’s signed name as a claim; Codes match saves the contact; a later call is "Verified: Bob"', async () => {
    await step('own names', () => Promise.all([setOwnName(alicePopup, 'Alice'), setOwnName(bobPopup, 'Bob')]));
    // Names go into CONFIRMs made from now on: Bob rejoins, a new key exchange.
    await step('Bob rejoins with his name', async () => {
      await leave(call.bob, call);
      await rejoin(call.bob);
      await waitFor(async () => (await text(alicePopup, 'peer-claim'))?.includes('“Bob”'), {
        timeout: 60_000,
        message: "Alice's popup to show Bob's claimed name",
      });
    });
    expect(await alicePopup.state()).toBe('encrypted');
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);

    await step('Codes match', () => codesMatch(alicePopup));
    expect(await text(alicePopup, 'call-state')).toBe('Verified: Bob');
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);

    // The call ends; the next one is verified without comparing.
    await step('the call ends', async () => {
      await leave(call.bob, call);
      await alicePopup.waitForState('off', 30_000);
    });
    await step('the next call', async () => {
      await rejoin(call.bob);
      await alicePopup.waitForState('verified', 60_000);
    });
    expect(await text(alicePopup, 'call-state')).toBe('Verified: Bob');
    expect(await text(alicePopup, 'mark-verified')).toBeUndefined();
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);
  }, 240_000);

  it('Bob resets his identity: Alice is warned, by name and by notification, and is not verified', async () => {
    await step('the call ends', async () => {
      await leave(call.bob, call);
      await alicePopup.waitForState('off', 30_000);
    });
    await step('Bob resets his identity', () => resetIdentity(call.bob));
    const before = await notifications(call.alice);
    await step('Bob calls again with his new key', async () => {
      await rejoin(call.bob);
      await alicePopup.waitForState('identity-changed', 60_000);
    });
    const mark = await aliceStates.mark();
    expect(await text(alicePopup, 'call-state')).toBe("Bob's security code has changed");
    expect(await alicePopup.page.$eval('[data-testid="call-warning"]', (el) => el.getAttribute('data-warning'))).toBe(
      'contact-key-changed',
    );
    const after = await step('the notification', () => waitForNewNotification(call.alice, before));
    expect(after.length).toBe(before.length + 1);
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);
    // It holds while media flows under Bob's new keys: never verified until Alice compares again.
    const start = await decrypted(alicePopup);
    await step('media under the new keys', () =>
      waitFor(async () => (await decrypted(alicePopup)) >= start + 100, {
        timeout: 30_000,
        message: 'Alice to decrypt 100 more frames from Bob',
      }),
    );
    const since = (await aliceStates.states()).slice(mark - 1);
    expect(since.every((entry) => entry.startsWith('identity-changed'))).toBe(true);
  }, 240_000);

  it('a relay that claims the name of Alice’s contact with its own key is warned about', async () => {
    // Alice confirms Bob's new key first, so the contact "Bob" is Bob's current identity.
    await step('Codes match for Bob’s new key', () => codesMatch(alicePopup));
    expect(await text(alicePopup, 'call-state')).toBe('Verified: Bob');

    // Both move to a call through a relay that runs CallSeal's own session in Node, with an identity of its own,
    // claiming the name "Bob" (signed, protocol.md §4.5).
    mitm = await createHandshakeMitm({ displayName: 'Bob' });
    const rewrite = mitm;
    relay = await startRelay({ mitm: (frame) => rewrite.rewrite(frame) });
    relayServer = await startDemoServer({ mediaServer: relay });
    const room = `room-mitm-${process.pid}`;
    const before = await notifications(call.alice);
    const server = relayServer;
    await step('the call through the relay', async () => {
      await Promise.all(
        [call.alice, call.bob].map((p) =>
          p.page.goto(server.url(`/?${new URLSearchParams({ room, peer: p.name, topology: 'single', loopback: '1' })}`)),
        ),
      );
      await call.alice.page.bringToFront();
      await alicePopup.waitForState('identity-changed', 90_000);
    });
    expect(await text(alicePopup, 'call-state')).toBe("Bob's security code has changed");
    expect(await text(alicePopup, 'peer-claim')).toContain('“Bob”');
    expect(await alicePopup.page.$eval('[data-testid="call-warning"]', (el) => el.getAttribute('data-warning'))).toBe(
      'contact-key-changed',
    );
    expect(mitm.counts.rewritten).toBeGreaterThan(0);
    await step('the notification', () => waitForNewNotification(call.alice, before));
    expect(await axeViolationsInBothThemes(alicePopup.page)).toEqual([]);
  }, 240_000);
});
