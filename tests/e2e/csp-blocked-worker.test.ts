/**
 * A page whose Content-Security-Policy forbids blob: workers cannot run CallSeal's transform worker. The call must
 * go on (unencrypted) rather than go black, and the popup must say plainly that it is not encrypted and why.
 * The page calls itself (two peer connections in one page), which is enough to see whether media flows.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, tabIdOf, type TestBrowser } from './support/browser';
import { startStaticServer, type StaticServer } from './support/static-server';
import { waitFor } from './support/wait';

const LOOPBACK_CALL = `<!doctype html><html><body><video id="remote" autoplay muted playsinline></video><script>
window.startCall = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  // Loopback candidates only: the media stays on 127.0.0.1.
  const loopback = (e) => e.candidate && e.candidate.address === '127.0.0.1';
  a.onicecandidate = (e) => loopback(e) && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => loopback(e) && a.addIceCandidate(e.candidate);
  b.ontrack = (e) => { document.getElementById('remote').srcObject = new MediaStream([e.track]); };
  a.addTrack(stream.getVideoTracks()[0], stream);
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
};
window.framesShown = () => document.getElementById('remote').getVideoPlaybackQuality().totalVideoFrames;
</script></body></html>`;

let server: StaticServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startStaticServer({
    '/strict': { body: LOOPBACK_CALL, headers: { 'content-security-policy': "script-src 'self' 'unsafe-inline'" } },
  });
  browser = await launchBrowser();
  const worker = await browser.serviceWorker();
  await worker.evaluate(() => chrome.storage.local.set({ e2eeEnabled: true }));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('keeps the call going, unencrypted, and the popup says why', async () => {
  const page = await browser.newPage();
  await page.goto(server.url('/strict'));
  await page.evaluate(() => (window as unknown as { startCall(): Promise<void> }).startCall());
  await waitFor(() => page.evaluate(() => (window as unknown as { framesShown(): number }).framesShown() > 10), {
    timeout: 15_000,
    message: 'the remote video to show frames',
  });

  const tabId = await tabIdOf(browser, page);
  const popup = await browser.newPage();
  await popup.goto(`chrome-extension://${browser.extensionId}/src/popup/index.html?tabId=${tabId}`);
  const state = await popup.waitForSelector('[data-testid="call-state"][data-state="error"]', { timeout: 10_000 });
  const text = await state?.evaluate((el) => el.textContent ?? '');
  expect(text).toMatch(/Not encrypted/);
  expect(await popup.$eval('body', (el) => el.textContent ?? '')).toMatch(/Content-Security-Policy/);
});
