/**
 * Waiting in tests: `waitFor` polls a condition for states that have no event to wait on; `waitForElement` waits on
 * DOM mutations.
 */
import type { Frame, Page } from 'puppeteer';

export interface WaitOptions {
  /** Milliseconds before giving up (default 10 000). */
  timeout?: number;
  /** Milliseconds between polls (default 100). */
  interval?: number;
  /** What was awaited, for the error. */
  message?: string;
}

/**
 * Resolves with the condition's first truthy value. Throws on timeout with `message` and the last value or error
 * seen, so a failing test says what it was waiting for and what it saw instead.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeout = 10_000, interval = 100, message = 'condition' } = options;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`Timed out after ${timeout} ms waiting for ${message} (last: ${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
}

/**
 * Waits for an element matching `selector` in `page`, driven by DOM mutations. Use it instead of puppeteer's
 * `waitForSelector`, whose default polling is requestAnimationFrame: a page in the background (every popup here: the
 * call page is kept in front so that its video renders) runs no animation frames, so `waitForSelector` there sees
 * only the DOM of its first check and times out even after the element appears. Puppeteer's mutation polling sees
 * added and removed nodes and attribute changes, not text changes: wait for text with `waitFor` or an interval.
 */
export async function waitForElement(page: Page | Frame, selector: string, options: { timeout?: number } = {}): Promise<void> {
  const { timeout = 10_000 } = options;
  try {
    await page.waitForFunction((sel: string) => document.querySelector(sel) !== null, { polling: 'mutation', timeout }, selector);
  } catch (error) {
    throw new Error(`Timed out after ${timeout} ms waiting for ${selector} (${(error as Error).message})`);
  }
}
