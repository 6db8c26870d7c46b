/**
 * What a person does with CallSeal in the e2e tests and the screenshot script (scripts/screenshots/capture.ts):
 * set their own name, compare codes and click "Codes match", leave a call and come back, reset their identity on the
 * options page; and what the background shows that the popup does not (notifications, the toolbar's title and
 * badge). Every step drives the real built extension through its own pages.
 */
import type { Page } from 'puppeteer';
import type { DemoServer } from '../../../demo/server.mjs';
import type { TestBrowser } from './browser';
import type { Call, Participant, Popup } from './call';
import { waitFor, waitForElement } from './wait';

/** The text of the popup's `[data-testid=…]` element, or undefined when there is none. */
export const testIdText = (popup: Popup, testId: string): Promise<string | undefined> =>
  popup.page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? undefined, testId);

/** Sets a participant's own display name through its popup (the form under "Your name"), and waits until saved. */
export async function setOwnName(popup: Popup, name: string): Promise<void> {
  await popup.page.evaluate((value) => {
    const field = document.querySelector<HTMLInputElement>('[data-testid="own-name"]');
    if (!field?.form) throw new Error('no own-name field');
    field.value = value;
    field.form.requestSubmit();
  }, name);
  // The summary shows the name the background saved ("Your name: Bob").
  await waitFor(
    () =>
      popup.page.evaluate((value) => document.querySelector('.own-name summary')?.textContent?.endsWith(`: ${value}`), name),
    { message: `the popup to show the own name ${name}` },
  );
}

/** Clicks "Codes match" once the popup offers it (enabled), and waits for `verified`. */
export async function codesMatch(popup: Popup, timeout = 30_000): Promise<void> {
  const selector = '[data-testid="mark-verified"]:not([disabled])';
  await waitForElement(popup.page, selector, { timeout });
  await popup.page.$eval(selector, (el) => (el as HTMLElement).click());
  await popup.waitForState('verified', timeout);
}

/** The participant leaves the call (the demo's landing page). */
export async function leave(p: Participant, call: Call): Promise<void> {
  await p.page.goto(call.server.url('/'));
}

/** The participant comes back to the call they joined first. */
export async function rejoin(p: Participant): Promise<void> {
  await p.page.goto(p.url);
}

/** The participant joins `room` on another demo server (e.g. one with a relay), with the same topology rules. */
export async function joinAt(p: Participant, server: DemoServer, room: string, topology: 'p2p' | 'single'): Promise<void> {
  await p.page.goto(server.url(`/?${new URLSearchParams({ room, peer: p.name, topology, loopback: '1' })}`));
}

/** Resets the participant's identity on the options page (the button, the warning, the confirmation). */
export async function resetIdentity(p: Participant): Promise<void> {
  const page = await p.browser.newPage();
  try {
    await page.goto(`chrome-extension://${p.browser.extensionId}/src/options/index.html`);
    await waitForElement(page, '[data-testid="reset-identity"]');
    const before = await page.$eval('[data-testid="own-fingerprint"]', (el) => el.textContent);
    await page.$eval('[data-testid="reset-identity"]', (el) => (el as HTMLElement).click());
    await waitForElement(page, '[data-testid="reset-warning"]');
    await page.$eval('[data-testid="reset-confirm"]', (el) => (el as HTMLElement).click());
    await page.waitForFunction(
      (old) => document.querySelector('[data-testid="own-fingerprint"]')?.textContent !== old,
      { polling: 100 }, // A text change is not a mutation puppeteer observes (it watches children and attributes).
      before,
    );
  } finally {
    await page.close();
    await p.page.bringToFront(); // a call page in the background stops rendering video
  }
}

/** The ids of the browser notifications CallSeal has raised in the participant's browser and not cleared. */
export async function notifications(p: Participant): Promise<string[]> {
  const worker = await p.browser.serviceWorker();
  return worker.evaluate(async () => Object.keys(await chrome.notifications.getAll()));
}

/** Waits for a notification that was not among `before`. */
export async function waitForNewNotification(p: Participant, before: string[], timeout = 15_000): Promise<string[]> {
  return waitFor(
    async () => {
      const now = await notifications(p);
      return now.length > before.length ? now : undefined;
    },
    { timeout, message: `a notification in ${p.name}'s browser` },
  );
}

/** The toolbar button of the popup's tab as the background set it: its tooltip and badge. */
export async function toolbarOf(p: { browser: TestBrowser }, popup: Popup): Promise<{ title: string; badge: string }> {
  const worker = await p.browser.serviceWorker();
  return worker.evaluate(
    async (tabId) => ({
      title: await chrome.action.getTitle({ tabId }),
      badge: await chrome.action.getBadgeText({ tabId }),
    }),
    popup.tabId,
  );
}

/**
 * Records every state the popup shows (with its detail, and whether "Codes match" is offered), from a
 * MutationObserver in the popup page: `states()` returns them in order, `mark()` how many so far.
 */
export async function recordStates(popup: Popup): Promise<{ states(): Promise<string[]>; mark(): Promise<number> }> {
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
  const read = (page: Page) => page.evaluate(() => [...((window as unknown as { __states?: string[] }).__states ?? [])]);
  return {
    states: () => read(popup.page),
    mark: async () => (await read(popup.page)).length,
  };
}

/** Frames the popup counted as decrypted in the call shown (its details, folded but rendered). */
export async function decryptedFrames(popup: Popup): Promise<number> {
  return Number(await popup.page.evaluate(() => document.querySelector('[data-counter="decrypted"]')?.textContent ?? '0'));
}
