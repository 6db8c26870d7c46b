/**
 * Issue 8, item 6: apps that bring their own encoded transforms (their own end-to-end encryption: LiveKit, Jitsi and
 * Chime attach an RTCRtpScriptTransform, or use `createEncodedStreams()` with `encodedInsertableStreams`). A sender or
 * receiver carries one transform; CallSeal's is attached where the end is made and cannot be composed with the app's
 * (a script transform cannot hand its frames to another one). So CallSeal keeps its own and says so plainly: the
 * app's assignments and calls succeed (no exception breaks its call; it reads back what it assigned), the call is
 * encrypted by CallSeal and plays, the app's own transform sees no frame, and both popups say that this app's own
 * processing does not run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { switchOn, type Popup } from '../support/call';
import { CALL_SHAPES_ROUTES, labCall, negotiate, remoteColors } from '../support/call-shapes';
import { BLUE, RED, fakeCameras, type FakeCameras, type Rgb } from '../support/fake-camera';
import { isColorNear } from '../support/picture';
import { startStaticServer, type StaticServer } from '../support/static-server';
import { waitFor } from '../support/wait';

interface Side {
  browser: TestBrowser;
  page: Page;
  popup: Popup;
  errors: string[];
}

describe('apps with their own encoded transforms', () => {
  let server: StaticServer;
  let cameras: FakeCameras;
  let alice: Side;
  let bob: Side;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    server = await startStaticServer(CALL_SHAPES_ROUTES);
    stops.push(() => server.close());
    cameras = await fakeCameras();
    stops.push(() => cameras.cleanup());
    const open = async (name: string, color: Rgb): Promise<Side> => {
      const browser = await launchBrowser({ args: [await cameras.flag(name, color)] });
      stops.push(() => browser.close());
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.goto(server.url('/'));
      const popup = await switchOn(browser, page);
      return { browser, page, popup, errors };
    };
    [alice, bob] = await Promise.all([open('alice', RED), open('bob', BLUE)]);
  }, 90_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });

  for (const api of ['script', 'streams'] as const) {
    const what = api === 'script' ? 'its own RTCRtpScriptTransform' : 'createEncodedStreams()';
    it(`an app with ${what}: no exception, encrypted by CallSeal, and said plainly`, async () => {
      for (const side of [alice, bob]) await side.page.reload();
      const options = { insertable: api === 'streams', app: api };
      await Promise.all([labCall(alice.page, 'start', options), labCall(bob.page, 'start', options)]);
      await labCall(alice.page, 'applyAppToSenders', api);
      await labCall(bob.page, 'applyAppToSenders', api);
      await negotiate(alice.page, bob.page);

      for (const [viewer, color] of [
        [bob, RED],
        [alice, BLUE],
      ] as const) {
        await waitFor(async () => (await remoteColors(viewer.page)).some((c) => isColorNear(c.color, color)), {
          timeout: 20_000,
          message: 'each side to see the other',
        });
      }
      for (const side of [alice, bob]) {
        await side.popup.waitForState('encrypted', 20_000);
        const said = await waitFor(
          () => side.popup.page.evaluate(() => document.querySelector('[data-testid="app-transform"]')?.textContent ?? undefined),
          { timeout: 10_000, message: 'the popup to say the app has its own transform' },
        );
        expect(said).toMatch(/CallSeal cannot protect this app together with it/);
        const app = await labCall<{ frames: number; errors: string[]; readBack: boolean[] }>(side.page, 'appFrames');
        expect(app.errors).toEqual([]);
        expect(app.readBack.length).toBeGreaterThan(0);
        expect(app.readBack.every(Boolean)).toBe(true);
        expect(app.frames, "the app's own transform saw frames: it ran, around CallSeal").toBe(0);
        expect(side.errors).toEqual([]);
      }
    }, 90_000);
  }
});
