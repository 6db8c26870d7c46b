/**
 * A page whose Content-Security-Policy forbids blob: workers cannot run CallSeal's transform worker
 * (protocol.md §7.3); nor can a page where the worker's code (the package's transform-worker.js, which the blob:
 * bootstrap loads, §7.2) does not load. A page that allows blob: workers but not blob: scripts runs it (a call
 * between two browsers on the demo page): the code comes from an extension URL, which the page's CSP does not
 * govern, where `importScripts(blob:)` would be refused. The page calls itself (two peer connections in one page), which is enough to see whether media
 * flows:
 * - fail-open (the user's switch, plaintext fallback allowed): no transform is attached, the call goes on in clear;
 * - fail-closed (managed policy E2EEMode = required, in a real policy file): transforms are attached to the worker
 *   that never runs, and not one frame is sent or shown.
 * The popup's words for each (`unencrypted`, `blocked`) come from the version-2 background: those two tests need the
 * merge.
 */
import type { Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, tabIdOf, type TestBrowser } from './support/browser';
import { writeExtensionPolicy, type ManagedPolicy } from './support/managed-policy';
import { patchedExtension, type PatchedExtension } from './support/patched-extension';
import { expectEachSeesTheOther, startEncryptedCall } from './call/helpers';
import { closeAllCalls } from './support/call';
import { startStaticServer, type StaticServer } from './support/static-server';
import { waitFor, waitForElement } from './support/wait';

const LOOPBACK_CALL = `<!doctype html><html><body><video id="remote" autoplay muted playsinline></video><script>
window.startCall = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  const a = (window.a = new RTCPeerConnection()), b = (window.b = new RTCPeerConnection());
  // Loopback candidates only: the media stays on 127.0.0.1.
  const loopback = (e) => e.candidate && e.candidate.address === '127.0.0.1';
  a.onicecandidate = (e) => loopback(e) && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => loopback(e) && a.addIceCandidate(e.candidate);
  b.ontrack = (e) => { document.getElementById('remote').srcObject = new MediaStream([e.track]); };
  a.addTrack(stream.getVideoTracks()[0], stream);
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
};
window.rtp = async () => {
  const out = { connection: window.b.connectionState, encoded: 0, packets: 0, received: 0, shown: 0 };
  (await window.a.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') { out.encoded = s.framesEncoded ?? 0; out.packets = s.packetsSent ?? 0; } });
  (await window.b.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') out.received = s.framesReceived ?? 0; });
  out.shown = document.getElementById('remote').getVideoPlaybackQuality().totalVideoFrames;
  return out;
};
</script></body></html>`;

interface Rtp {
  connection: string;
  encoded: number;
  packets: number;
  received: number;
  shown: number;
}
const rtp = (page: Page): Promise<Rtp> => page.evaluate(() => (window as unknown as { rtp(): Promise<Rtp> }).rtp());

let server: StaticServer;
let browser: TestBrowser | undefined;
let policy: ManagedPolicy | undefined;
let patched: PatchedExtension | undefined;

beforeAll(async () => {
  server = await startStaticServer({
    '/strict': { body: LOOPBACK_CALL, headers: { 'content-security-policy': "script-src 'self' 'unsafe-inline'" } },
    '/open': { body: LOOPBACK_CALL },
  });
});
afterEach(async () => {
  await closeAllCalls(); // also what a test that timed out inside startCall() had started
  await browser?.close();
  browser = undefined;
  await policy?.remove();
  policy = undefined;
  await patched?.cleanup();
  patched = undefined;
});
afterAll(async () => {
  await server?.close();
});

/** A browser with CallSeal: the user's switch on, or the admin's policy `required` (delivered before the page). */
async function launch(mode: 'switch-on' | 'required', extensionDir?: string): Promise<TestBrowser> {
  if (mode === 'required') policy = await writeExtensionPolicy({ E2EEMode: 'required' });
  browser = await launchBrowser(extensionDir === undefined ? {} : { extensionDir, isCallSeal: true });
  const worker = await browser.serviceWorker();
  if (mode === 'switch-on') await worker.evaluate(() => chrome.storage.local.set({ e2eeEnabled: true }));
  else {
    await waitFor(() => worker.evaluate(async () => (await chrome.storage.managed.get('E2EEMode')).E2EEMode === 'required'), {
      timeout: 15_000,
      message: 'the browser to deliver the policy',
    });
  }
  return browser;
}

async function startStrictCall(test: TestBrowser, path = '/strict'): Promise<Page> {
  const page = await test.newPage();
  await page.goto(server.url(path));
  await page.evaluate(() => (window as unknown as { startCall(): Promise<void> }).startCall());
  await waitFor(async () => (await rtp(page)).connection === 'connected', { timeout: 15_000, message: 'the loopback call to connect' });
  return page;
}

/** Waits for the popup of `page`'s tab to show `wanted`; returns the state and the detail sentence shown. */
async function popupState(test: TestBrowser, page: Page, wanted: string): Promise<{ state: string; detail: string }> {
  const tabId = await tabIdOf(test, page);
  const popup = await test.newPage();
  await popup.goto(`chrome-extension://${test.extensionId}/src/popup/index.html?tabId=${tabId}`);
  await page.bringToFront();
  await waitForElement(popup, `[data-testid="call-state"][data-state="${wanted}"]`, { timeout: 15_000 });
  const detail = await popup.$eval('[data-testid="call-detail"]', (el) => el.textContent ?? '').catch(() => '');
  const state = await popup.$eval('[data-testid="call-state"]', (el) => el.getAttribute('data-state') ?? '');
  return { state, detail };
}

describe('fail-open: the switch on, plaintext fallback allowed', () => {
  it('attaches no transform: the call goes on, unencrypted', async () => {
    const page = await startStrictCall(await launch('switch-on'));
    await waitFor(async () => (await rtp(page)).shown > 10, { timeout: 15_000, message: 'the remote video to show frames' });
  });

  it('the popup says the call is not encrypted, and why', async () => {
    const test = await launch('switch-on');
    const page = await startStrictCall(test);
    // `error`: "Not encrypted: CallSeal could not set up encryption on this page", with the CSP as the reason.
    expect(await popupState(test, page, 'error')).toEqual({
      state: 'error',
      detail: "This page's security settings keep CallSeal's encryption from running here.",
    });
  });
});

describe('fail-closed: E2EE required by policy', () => {
  it('attaches transforms that carry nothing: not one frame arrives or is shown', async () => {
    const page = await startStrictCall(await launch('required'));
    const start = await rtp(page);
    // The camera runs and the encoder works; nothing leaves the transform.
    await waitFor(async () => (await rtp(page)).encoded >= start.encoded + 60, { timeout: 15_000, message: '60 more frames encoded' });
    const end = await rtp(page);
    expect({ received: end.received, shown: end.shown }, `RTP packets sent: ${end.packets}`).toEqual({ received: 0, shown: 0 });
  });

  it('the popup says the call is blocked, and why', async () => {
    const test = await launch('required');
    const page = await startStrictCall(test);
    expect(await popupState(test, page, 'blocked')).toEqual({
      state: 'blocked',
      detail: "This page's security settings keep CallSeal's encryption from running here.",
    });
  });
});

describe("the worker's code comes from the package", () => {
  it('runs where the CSP allows blob: workers but not blob: scripts: the call is encrypted, and each sees the other', async () => {
    // A call between two browsers (a call with itself in one page never encrypts: a reflection never opens).
    const { call } = await startEncryptedCall({ pageHeaders: { 'content-security-policy': "script-src 'self'; worker-src blob:" } });
    await expectEachSeesTheOther(call);
  });

  it('a worker whose code does not load carries nothing under required, and the popup says blocked', async () => {
    // The bridge points the bootstrap at a file the package does not have: importScripts fails in the worker.
    patched = await patchedExtension(/`transform-worker\.js`/g, '`transform-worker-missing.js`');
    expect(patched.replacements).toBe(1);
    const test = await launch('required', patched.dir);
    const page = await startStrictCall(test, '/open');
    const start = await rtp(page);
    await waitFor(async () => (await rtp(page)).encoded >= start.encoded + 60, { timeout: 15_000, message: '60 more frames encoded' });
    const end = await rtp(page);
    expect({ received: end.received, shown: end.shown }, `RTP packets sent: ${end.packets}`).toEqual({ received: 0, shown: 0 });
    expect(await popupState(test, page, 'blocked')).toEqual({
      state: 'blocked',
      detail: "This page's security settings keep CallSeal's encryption from running here.",
    });
  });
});
