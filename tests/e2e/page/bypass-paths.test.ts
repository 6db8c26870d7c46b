/**
 * Every way a page can make or re-point a sender (protocol.md §7.3): Bob, with CallSeal on, sends his camera through
 * the path to Alice, who has no CallSeal. With nobody to agree keys with, Alice must never see Bob's picture while his
 * encoder runs. The control runs the same path with Bob's switch off and shows that the path carries the picture.
 */
import type { Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { BLUE, fakeCameras, type FakeCameras } from '../support/fake-camera';
import {
  connectOneWay,
  noContentHandler,
  ONE_WAY_FLAGS,
  ONE_WAY_ROUTES,
  picturesWhileBobSends,
  SEND_PATHS,
  sawOnPath,
  waitForPicture,
  type SendPath,
} from '../support/one-way-call';
import { formatColor, isColorNear } from '../support/picture';
import { startStaticServer, type StaticServer } from '../support/static-server';

let server: StaticServer;
let cameras: FakeCameras;
let alice: TestBrowser;
const bob: Record<'on' | 'off', TestBrowser> = {} as Record<'on' | 'off', TestBrowser>;
const pages: Page[] = [];
/** Each Bob browser's first tab; everything else (call pages, popups) closes after each test. */
const firstTabs = new Set<Page>();

beforeAll(async () => {
  server = await startStaticServer(ONE_WAY_ROUTES, noContentHandler);
  cameras = await fakeCameras();
  const args = [await cameras.flag('bob', BLUE), ...ONE_WAY_FLAGS];
  [alice, bob.on, bob.off] = await Promise.all([launchBrowser({ withExtension: false }), launchBrowser({ args }), launchBrowser({ args })]);
  for (const [mode, browser] of Object.entries(bob)) {
    const worker = await browser.serviceWorker();
    await worker.evaluate((on) => chrome.storage.local.set({ e2eeEnabled: on }), mode === 'on');
    for (const page of await browser.browser.pages()) firstTabs.add(page);
  }
}, 60_000);

afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close().catch(() => {})));
  // Popups the paths opened.
  for (const browser of Object.values(bob)) {
    for (const page of await browser.browser.pages()) if (!firstTabs.has(page)) await page.close().catch(() => {});
  }
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob.on?.close(), bob.off?.close()]);
  await server?.close();
  await cameras?.cleanup();
});

async function call(mode: 'on' | 'off', path: SendPath): Promise<{ bobPage: Page; alicePage: Page }> {
  const [bobPage, alicePage] = await Promise.all([bob[mode].newPage(), alice.newPage()]);
  pages.push(bobPage, alicePage);
  await Promise.all([bobPage.goto(server.url('/')), alicePage.goto(server.url('/'))]);
  await connectOneWay(bobPage, alicePage, path);
  return { bobPage, alicePage };
}

describe.each(SEND_PATHS)('%s', (path) => {
  it('control: with CallSeal off, the path delivers Bob\'s picture', async () => {
    const { alicePage } = await call('off', path);
    await waitForPicture(alicePage, BLUE);
  });

  it("with CallSeal on, Alice never sees Bob's picture", async () => {
    const { bobPage, alicePage } = await call('on', path);
    const seen = await picturesWhileBobSends(bobPage, alicePage);
    const shown = seen.filter((rgb) => isColorNear(rgb, BLUE));
    expect(shown.map(formatColor), `Alice saw ${seen.map(formatColor).join(', ')}`).toEqual([]);
    // The app reads back what it assigned, although CallSeal's transform stays.
    const saw = await sawOnPath(bobPage);
    if ('readBack' in saw) expect(saw.readBack).toBe(true);
    // The path really reused the transceiver the legacy offer made.
    if ('reused' in saw) expect(saw.reused).toBe(true);
  });
});
