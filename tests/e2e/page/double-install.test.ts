/**
 * A Window hooked twice (protocol.md §7.2, §7.3): the page reaches an iframe's Window before its same-origin
 * document arrives — CallSeal's hook covers it then — and rigs that realm (it replaces `dispatchEvent` there and
 * listens for CallSeal's events, to take the ports the frame's own hook will offer). The document then comes into
 * the SAME Window (Chromium reuses the initial about:blank's Window) with its own content scripts. Whatever the
 * rigged realm does, it must resolve to one working transform: Bob's picture reaches Alice (no CallSeal) when
 * Bob's switch is off, and never when it is on; and the frame's own bridge, which could be talking to the page,
 * never connects to the background. The same one level deeper (a same-origin frame inside such a frame).
 */
import type { Frame, Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { BLUE, fakeCameras, type FakeCameras } from '../support/fake-camera';
import { connectOneWay, oneWayPage, picturesWhileBobSends, waitForPicture } from '../support/one-way-call';
import { formatColor, isColorNear } from '../support/picture';
import { startStaticServer, type StaticServer } from '../support/static-server';
import { waitFor } from '../support/wait';

/** The top page: makes the frame, reaches its Window at once and rigs it before the document arrives. */
const TOP = `<!doctype html><html><body><script>
  window.stolen = [];
  window.frameAndRig = (src) => {
    const frame = document.createElement('iframe');
    frame.src = src;
    document.body.append(frame);
    const w = frame.contentWindow;
    const dispatch = w.EventTarget.prototype.dispatchEvent;
    w.EventTarget.prototype.dispatchEvent = function (event) {
      if (String(event.type).startsWith('callseal:')) window.stolen.push(event.type + ':' + (event.ports ? event.ports.length : 0));
      return dispatch.call(this, event);
    };
    w.addEventListener('callseal:hook-offer', (event) => window.stolen.push('listener:' + event.ports.length), true);
  };
</script></body></html>`;

let server: StaticServer;
let cameras: FakeCameras;
let alice: TestBrowser;
const bob = {} as Record<'on' | 'off', TestBrowser>;
const pages: Page[] = [];

beforeAll(async () => {
  server = await startStaticServer({
    '/': { body: TOP },
    '/sender': { body: oneWayPage() },
    '/nest': { body: `<!doctype html><html><body><iframe src="/sender"></iframe></body></html>` },
  });
  cameras = await fakeCameras();
  const args = [await cameras.flag('bob', BLUE)];
  [alice, bob.on, bob.off] = await Promise.all([launchBrowser({ withExtension: false }), launchBrowser({ args }), launchBrowser({ args })]);
  for (const [mode, browser] of Object.entries(bob)) {
    const worker = await browser.serviceWorker();
    await worker.evaluate((on) => {
      void chrome.storage.local.set({ e2eeEnabled: on });
      // A spy on the bridges' ports: which frames' bridges talk to the background, and the frames their workers
      // passed in clear (E2EE off: every frame through a live CallSeal transform counts).
      const seen: { url: string; plaintext: number }[] = [];
      (self as unknown as { bridgeTraffic: typeof seen }).bridgeTraffic = seen;
      chrome.runtime.onConnect.addListener((port) => {
        if (port.name !== 'callseal-bridge') return;
        const url = port.sender?.url ?? '';
        seen.push({ url, plaintext: 0 });
        port.onMessage.addListener((message: { report?: { counters?: { plaintext?: number } } }) =>
          seen.push({ url, plaintext: message.report?.counters?.plaintext ?? 0 }),
        );
      });
    }, mode === 'on');
  }
}, 60_000);
afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close().catch(() => {})));
});
afterAll(async () => {
  await Promise.all([alice?.close(), bob.on?.close(), bob.off?.close()]);
  await server?.close();
  await cameras?.cleanup();
});

/** Bob's top page frames `src` (rigging it), and Alice's page; resolves with the frame that sends. */
async function setUp(mode: 'on' | 'off', src: '/sender' | '/nest'): Promise<{ sender: Frame; alicePage: Page; bobPage: Page }> {
  const [bobPage, alicePage] = await Promise.all([bob[mode].newPage(), alice.newPage()]);
  pages.push(bobPage, alicePage);
  await Promise.all([bobPage.goto(server.url(`/?${mode}-${src.slice(1)}`)), alicePage.goto(server.url('/sender'))]);
  await bobPage.evaluate((s) => (window as unknown as { frameAndRig(s: string): void }).frameAndRig(s), src);
  const sender = await waitFor(
    async () => {
      const frame = bobPage.frames().find((f) => f.url().endsWith('/sender'));
      return frame && (await frame.evaluate(() => typeof (window as unknown as { send?: unknown }).send === 'function').catch(() => false))
        ? frame
        : undefined;
    },
    { message: "the sender's document in the frame" },
  );
  await connectOneWay(sender, alicePage, 'add-track');
  return { sender, alicePage, bobPage };
}

async function bridgeTraffic(mode: 'on' | 'off'): Promise<{ url: string; plaintext: number }[]> {
  const worker = await bob[mode].serviceWorker();
  return worker.evaluate(() => (self as unknown as { bridgeTraffic: { url: string; plaintext: number }[] }).bridgeTraffic);
}

/** Bridges of the framed documents themselves (not the top page's). */
const framedBridges = async (mode: 'on' | 'off'): Promise<string[]> =>
  (await bridgeTraffic(mode)).map((t) => t.url).filter((url) => new URL(url).pathname !== '/');

describe.each(['/sender', '/nest'] as const)('a document that came into a Window the page rigged (%s)', (src) => {
  it("with CallSeal off, one working transform: the picture arrives through the page's worker, and the frame's own bridge never connects", async () => {
    const { sender, alicePage, bobPage } = await setUp('off', src);
    await waitForPicture(alicePage, BLUE);
    expect(await sender.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.getSenders()[0]?.transform !== null)).toBe(true);
    // The frames went through the transform of the page's worker (which reports them as passed in clear).
    const topUrl = bobPage.url();
    await waitFor(async () => (await bridgeTraffic('off')).some((t) => t.url === topUrl && t.plaintext > 0), {
      message: "the page's worker to pass the framed document's frames",
    });
    expect(await framedBridges('off')).toEqual([]);
  });

  it("with CallSeal on, Alice never sees Bob's picture, and the frame's own bridge never connects", async () => {
    const { sender, alicePage } = await setUp('on', src);
    const seen = await picturesWhileBobSends(sender, alicePage);
    expect(seen.filter((rgb) => isColorNear(rgb, BLUE)).map(formatColor)).toEqual([]);
    expect(await framedBridges('on')).toEqual([]);
  });
});
