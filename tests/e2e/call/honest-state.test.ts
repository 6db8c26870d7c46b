/**
 * Issue 8, item 3: what is not sent is said. A call whose video codec CallSeal cannot encrypt (here AV1, with a build
 * whose AV1 support is unplugged: it stands in for H265 and any codec to come) carries its audio encrypted and drops
 * its video, never sending it in clear — and neither the popup nor the toolbar may then show plain `encrypted`: the
 * headline, the detail and the toolbar's tooltip and badge say that video is not sent, and why.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllCalls, startCall, type Call, type Participant, type Popup } from '../support/call';
import { withoutAv1, type PatchedExtension } from '../support/patched-extension';
import { waitFor } from '../support/wait';

async function toolbar(participant: Participant, popup: Popup): Promise<{ title: string; badge: string }> {
  const worker = await participant.browser.serviceWorker();
  return worker.evaluate(async (tabId) => {
    const [title, badge] = await Promise.all([chrome.action.getTitle({ tabId }), chrome.action.getBadgeText({ tabId })]);
    return { title, badge };
  }, popup.tabId);
}

const text = (popup: Popup, testId: string): Promise<string | undefined> =>
  popup.page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? undefined, testId);

describe('honest state: media CallSeal cannot encrypt', () => {
  let build: PatchedExtension;
  let call: Call | undefined;
  beforeAll(async () => {
    build = await withoutAv1();
  });
  afterEach(async () => {
    call = undefined;
    await closeAllCalls();
  });
  afterAll(async () => {
    await build?.cleanup();
  });

  it('an AV1 call: audio encrypted, video not sent — and the popup and toolbar say so', async () => {
    const extension = { extensionDir: build.dir, e2ee: true };
    call = await startCall({ topology: 'single', codec: 'av1', alice: extension, bob: extension });
    const popups = await Promise.all([call.alice.popup(), call.bob.popup()]);
    for (const [participant, popup] of [
      [call.alice, popups[0]],
      [call.bob, popups[1]],
    ] as const) {
      // The audio is encrypted: the state is `encrypted`, with its code …
      await popup.waitForState('encrypted', 30_000);
      // … but never plainly: the headline, the detail and the toolbar name the video and the codec.
      const shown = await waitFor(
        async () => {
          const [headline, detail, bar] = await Promise.all([
            text(popup, 'call-state'),
            text(popup, 'call-detail'),
            toolbar(participant, popup),
          ]);
          return detail?.includes('AV1') ? { headline, detail, bar } : undefined;
        },
        { timeout: 15_000, interval: 200, message: `${participant.name}'s popup to name AV1` },
      );
      expect(shown.headline).toBe('Encrypted end to end, but video is not sent');
      expect(shown.detail).toMatch(/This call uses AV1, which CallSeal cannot encrypt .*Video in AV1 is not sent or played/);
      expect(shown.bar.title).toBe('CallSeal: call end-to-end encrypted, but video is NOT sent — CallSeal cannot encrypt AV1');
      expect(shown.bar.badge).toBe('!');
      expect(await popup.securityCode()).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    }
    // And the video really is not sent: nothing of it reaches the relay but CallSeal frames without media.
    const demo = await call.bob.demo();
    expect(demo.remoteFrames).toBe(0);
  }, 60_000);
});
