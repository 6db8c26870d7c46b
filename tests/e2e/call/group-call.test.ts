/**
 * Issue 8, item 5: three people in one call through an SFU (the werift relay, `group` topology), all with CallSeal
 * on. Group calls are not encrypted yet, so none of them may get a broken call or a false claim: every popup shows
 * the named state — not encrypted, "group calls are not encrypted yet" (policy allows plaintext here) — and every
 * participant sees the other two. When the third person leaves, the remaining two are encrypted again, with one
 * code, and still see each other.
 */
import type { Page } from 'puppeteer';
import { afterEach, describe, expect, it } from 'vitest';
import { BLUE, GREEN, RED } from '../support/fake-camera';
import type { Popup } from '../support/call';
import { startGroupCall, type GroupCall, type Member } from '../support/group';
import { waitFor } from '../support/wait';

const text = (page: Page, testId: string): Promise<string | undefined> =>
  page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? undefined, testId);

describe('three people in one call', () => {
  let call: GroupCall | undefined;
  afterEach(async () => {
    await call?.close();
    call = undefined;
  });

  it('shows "group calls are not encrypted yet" to everyone, media works, and two left are encrypted again', async () => {
    call = await startGroupCall(
      [
        { name: 'alice', color: RED },
        { name: 'bob', color: BLUE },
        { name: 'carol', color: GREEN },
      ],
      { e2ee: true },
    );
    const [alice, bob, carol] = call.members as [Member, Member, Member];
    const popups = await Promise.all(call.members.map((m) => m.popup()));
    for (const popup of popups) {
      await popup.waitForState('unencrypted', 40_000);
      expect(await text(popup.page, 'call-state')).toBe('Not encrypted: group calls are not encrypted yet');
      expect(await text(popup.page, 'call-detail')).toMatch(/more than one other person/);
    }
    // Media works: everyone sees the other two.
    for (const viewer of call.members) {
      for (const sender of call.members) if (sender !== viewer) await call.waitForColor(viewer, sender);
    }

    await carol.leave();
    const [alicePopup, bobPopup] = popups as [Popup, Popup];
    const code = await waitFor(
      async () => {
        const [a, b, codeA, codeB] = await Promise.all([
          alicePopup.state(),
          bobPopup.state(),
          alicePopup.securityCode(),
          bobPopup.securityCode(),
        ]);
        return a === 'encrypted' && b === 'encrypted' && codeA !== undefined && codeA === codeB ? codeA : undefined;
      },
      { timeout: 30_000, interval: 250, message: 'alice and bob encrypted again with one code' },
    );
    expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    await call.waitForColor(alice, bob);
    await call.waitForColor(bob, alice);
  }, 150_000);
});
