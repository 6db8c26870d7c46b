/**
 * What the group tests check in every popup (protocol.md §11.7, §11.9) and on every screen.
 */
import type { Page } from 'puppeteer';
import type { Popup } from './call';
import type { GroupCall, Member } from './group';
import { waitFor } from './wait';

/** The participants the popup lists, by state (protocol.md §11.9). */
const states = (page: Page): Promise<string[]> =>
  page.evaluate(() => [...document.querySelectorAll('[data-testid="participant"]')].map((li) => li.getAttribute('data-state') ?? ''));

/** The group code the popup shows (§11.7), or undefined while it says the code is not ready. */
export const groupCodeShown = (page: Page): Promise<string | undefined> =>
  page.evaluate(() => document.querySelector('[data-testid="group-code"]')?.textContent ?? undefined);

/** Every popup `encrypted`, listing `others` participants, each encrypted; then the group code they all show. */
export async function waitEncryptedWithOneCode(
  call: GroupCall,
  popups: readonly Popup[],
  others: number,
  timeout = 180_000,
): Promise<string> {
  let last: unknown;
  return waitFor(
    async () => {
      const seen = await Promise.all(
        popups.map(async (p) => ({ state: await p.state(), list: await states(p.page), code: await groupCodeShown(p.page) })),
      );
      last = seen;
      const encrypted = seen.every((s) => s.state === 'encrypted' && s.list.length === others && s.list.every((x) => x === 'encrypted'));
      const code = seen[0]?.code;
      return encrypted && code !== undefined && seen.every((s) => s.code === code) ? code : undefined;
    },
    { timeout, interval: 500, message: `every popup encrypted with ${others} participants, with one group code` },
  ).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message}; saw ${JSON.stringify(last)}; ${await call.diagnose()}`);
  });
}

/** Every member sees every other's colour, each within `timeout` (waitForColor's default when not given). */
export async function expectEveryoneSeesEveryone(call: GroupCall, members: readonly Member[], timeout?: number): Promise<void> {
  for (const viewer of members) for (const sender of members) if (sender !== viewer) await call.waitForColor(viewer, sender, timeout);
}
