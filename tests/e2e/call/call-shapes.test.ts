/**
 * Issue 8, item 4: the shapes real apps give their calls, in one encrypted call between two browsers with CallSeal on
 * (one pair of browsers for the whole file): a screen share as a second video track, the camera switched with
 * `replaceTrack`, a track removed, an ICE restart, and renegotiation churn — hundreds of peer connections made and
 * closed over the page's life — after which a new track is still encrypted and plays (before the fix, every send
 * transform took one of 256 sender indexes for good, and the 257th sender's frames were dropped without a word).
 * After each step both popups still show `encrypted`, with nothing to explain, and the receiver sees each track's
 * colour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { switchOn, type Popup } from '../support/call';
import { CALL_SHAPES_ROUTES, labCall, negotiate, remoteColors } from '../support/call-shapes';
import { BLUE, RED, fakeCameras, type FakeCameras, type Rgb } from '../support/fake-camera';
import { formatColor, isColorNear } from '../support/picture';
import { startStaticServer, type StaticServer } from '../support/static-server';
import { waitFor } from '../support/wait';
import type { Page } from 'puppeteer';

const GREEN: Rgb = [0, 255, 0];
const YELLOW: Rgb = [255, 255, 0];
const MAGENTA: Rgb = [255, 0, 255];
const css = (rgb: Rgb): string => `rgb(${rgb.join(',')})`;

interface Side {
  browser: TestBrowser;
  page: Page;
  popup: Popup;
}

describe('call shapes in an encrypted call', () => {
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
      await page.goto(server.url('/'));
      const popup = await switchOn(browser, page);
      await page.reload();
      return { browser, page, popup };
    };
    [alice, bob] = await Promise.all([open('alice', RED), open('bob', BLUE)]);
    await Promise.all([labCall(alice.page, 'start'), labCall(bob.page, 'start')]);
    await negotiate(alice.page, bob.page);
  }, 90_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });

  /** Both popups `encrypted`, nothing to explain. */
  const stillEncrypted = async (): Promise<void> => {
    for (const side of [alice, bob]) {
      await side.popup.waitForState('encrypted', 20_000);
      expect(await side.popup.page.$('[data-testid="call-detail"]')).toBeNull();
    }
  };

  /** Waits until `viewer` shows, among its remote videos, each colour in `colors` (in any video). */
  const sees = async (viewer: Side, colors: Rgb[], what: string): Promise<void> => {
    let last: unknown;
    await waitFor(
      async () => {
        const shown = await remoteColors(viewer.page);
        last = shown.map((s) => formatColor(s.color));
        return colors.every((c) => shown.some((s) => isColorNear(s.color, c)));
      },
      { timeout: 20_000, interval: 250, message: what },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; shows ${JSON.stringify(last)}`);
    });
  };

  it('starts encrypted, each side seeing the other', async () => {
    await stillEncrypted();
    await sees(bob, [RED], 'Bob to see Alice');
    await sees(alice, [BLUE], 'Alice to see Bob');
  }, 60_000);

  it('a screen share as a second video track', async () => {
    await labCall(alice.page, 'addShare', css(GREEN));
    await negotiate(alice.page, bob.page);
    await sees(bob, [RED, GREEN], "Bob to see Alice's camera and her screen share");
    await stillEncrypted();
  }, 60_000);

  it('a camera switch (replaceTrack)', async () => {
    await labCall(alice.page, 'replaceCamera', css(YELLOW));
    await sees(bob, [YELLOW, GREEN], "Bob to see Alice's new camera");
    await stillEncrypted();
  }, 60_000);

  it('a track removed mid-call', async () => {
    await labCall(alice.page, 'removeShare');
    await negotiate(alice.page, bob.page);
    await sees(bob, [YELLOW], "Bob to see Alice's camera still");
    await stillEncrypted();
  }, 60_000);

  it('an ICE restart', async () => {
    await labCall(alice.page, 'restartIce');
    await negotiate(alice.page, bob.page);
    await waitFor(() => labCall<boolean>(alice.page, 'connected'), { timeout: 20_000, message: 'the restarted connection' });
    await sees(bob, [YELLOW], 'Bob to see Alice after the ICE restart');
    await sees(alice, [BLUE], 'Alice to see Bob after the ICE restart');
    await stillEncrypted();
  }, 60_000);

  it('300 peer connections made and closed, then a new track: still encrypted, and it plays', async () => {
    await labCall(alice.page, 'churn', 300);
    await labCall(alice.page, 'addExtra', css(MAGENTA));
    await negotiate(alice.page, bob.page);
    await sees(bob, [YELLOW, MAGENTA], "Bob to see Alice's new track after the churn");
    await stillEncrypted();
  }, 90_000);
});
