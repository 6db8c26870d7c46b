/** What the policy tests check in a real call: the relay's copies frame by frame, and the popup's policy words. */
import { expect } from 'vitest';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import type { Call, Participant, Popup, PopupState } from '../support/call';
import { waitFor, waitForElement } from '../support/wait';
import { decodeCopy, describeDecode } from './helpers';

/**
 * A frame in CallSeal's format (protocol.md §2): with a handshake packet (magic trailer) or media-only (the one-byte
 * marker). A plain frame ends in the marker byte by chance 1 time in 256, so this may call a plain frame sealed — the
 * sealed checks below also decode the relay's copy, which a plain frame among them would give away.
 */
function looksSealed(frame: Uint8Array): boolean {
  return hasCallSealTrailer(frame) || endsInMediaMarker(frame);
}

/** Index of the first frame the relay copied from `sender` not in CallSeal's format, or -1. */
export function firstUnsealed(call: Call, sender: Participant): { video: number; audio: number } {
  const copies = call.relay!.copies(sender.name);
  return { video: copies.video.findIndex((f) => !looksSealed(f)), audio: copies.audio.findIndex((f) => !looksSealed(f)) };
}

/**
 * Index of the first frame the relay copied from `sender` with CallSeal's handshake trailer, or -1. Every CallSeal
 * sender starts with hellos in that trailer (§4), and its magic cannot occur in plain media by chance.
 */
export function firstSealed(call: Call, sender: Participant): { video: number; audio: number } {
  const copies = call.relay!.copies(sender.name);
  return { video: copies.video.findIndex(hasCallSealTrailer), audio: copies.audio.findIndex(hasCallSealTrailer) };
}

/** Every frame `sender` sent through the relay, from the very first, is CallSeal's, and the copy decodes to nothing. */
export async function expectSealedFromTheFirstFrame(call: Call, sender: Participant): Promise<void> {
  const copies = call.relay!.copies(sender.name);
  expect(copies.video.length + copies.audio.length, `${sender.name} sent frames`).toBeGreaterThan(0);
  expect(firstUnsealed(call, sender), `${sender.name}'s first frame without CallSeal's trailer`).toEqual({ video: -1, audio: -1 });
  const report = await decodeCopy(call, sender);
  expect(report.matches, `${sender.name}'s copy: ${describeDecode(report)}`).toBe(false);
}

/** No frame `sender` sent is CallSeal's, and the relay's copy decodes to the sender's colour. */
export async function expectPlainFromTheFirstFrame(call: Call, sender: Participant): Promise<void> {
  const copies = call.relay!.copies(sender.name);
  expect([...copies.video, ...copies.audio].filter(hasCallSealTrailer), `${sender.name}'s frames with a trailer`).toHaveLength(0);
  const report = await decodeCopy(call, sender);
  expect(report.matches, `${sender.name}'s copy: ${describeDecode(report)}`).toBe(true);
}

/** The popup's policy sentences (empty when it shows none). */
export function policyLines(popup: Popup): Promise<string[]> {
  return popup.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="policy-note"] p')].map((p) => p.textContent ?? ''),
  );
}

/** Waits until one of the popup's policy sentences matches. */
export function waitForPolicyLine(popup: Popup, pattern: RegExp, timeout = 20_000): Promise<string> {
  let last: string[] = [];
  return waitFor(
    async () => {
      last = await policyLines(popup);
      return last.find((line) => pattern.test(line));
    },
    { timeout, interval: 200, message: `the popup to say ${pattern}` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; it says ${JSON.stringify(last)}`);
  });
}

/** The switch: its position and whether the user may change it. */
export function switchState(popup: Popup): Promise<{ on: boolean; locked: boolean }> {
  return popup.page.$eval('[data-testid="e2ee-toggle"]', (el) => ({
    on: el.getAttribute('aria-checked') === 'true',
    locked: (el as HTMLButtonElement).disabled,
  }));
}

/**
 * Clicks "Refresh organization's policy" (a DOM click: the popup page is in the background) and resolves once the
 * background has answered that refresh: the button shows "Refreshing…" (aria-busy) until the view that answers it
 * arrives, so a test that changes the served document next cannot race the fetch of this one.
 */
export async function clickRefresh(popup: Popup): Promise<void> {
  // An earlier refresh still pending keeps the button disabled (up to the fetch's 15 s timeout).
  await waitForElement(popup.page, '[data-testid="policy-refresh"]:not([disabled])', { timeout: 20_000 });
  const answered = await popup.page.evaluate(
    (timeout) =>
      new Promise<boolean>((resolve) => {
        const button = document.querySelector('[data-testid="policy-refresh"]') as HTMLButtonElement;
        let busy = false;
        const observer = new MutationObserver(() => {
          if (button.getAttribute('aria-busy') === 'true') busy = true;
          else if (busy) done(true);
        });
        const timer = setTimeout(() => done(false), timeout);
        function done(value: boolean): void {
          observer.disconnect();
          clearTimeout(timer);
          resolve(value);
        }
        observer.observe(button, { attributes: true, attributeFilter: ['aria-busy'] });
        button.click();
      }),
    25_000,
  );
  if (!answered) throw new Error('the background did not answer "Refresh" within 25 s');
}

/** Waits for the popup's call state; on failure says what the popup shows instead. */
export async function waitForState(popup: Popup, state: PopupState, timeout = 30_000): Promise<void> {
  try {
    await popup.waitForState(state, timeout);
  } catch (error) {
    const text = await popup.page.evaluate(() => document.body.innerText).catch((e: unknown) => `(unreadable: ${String(e)})`);
    throw new Error(`${(error as Error).message}; the popup shows: ${JSON.stringify(text.slice(0, 400))}`);
  }
}
